#include <doctest/doctest.h>

#include <string>

#include "ikgen/s3_xml.hpp"

namespace {

// A page as AWS writes one with encoding-type=url (a space as '+', '+' as %2B).
const char* const k_page = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>media%2F</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>media/a+b%2Bc.jpg</Key>
    <LastModified>2026-12-02T10:14:24.512Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>
    <Size>1234</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>media/%C3%BC%3C%26%3E.png</Key>
    <LastModified>1970-01-01T00:00:01.000Z</LastModified>
    <ETag>"d41d8cd98f00b204e9800998ecf8427e-2"</ETag>
    <Size>0</Size>
  </Contents>
  <Contents><Key>media/100%25%20sure.webp</Key><Size>7</Size></Contents>
</ListBucketResult>)";

} // namespace

TEST_CASE("s3_xml: a ListObjectsV2 page, its keys decoded") {
  const auto page = ikgen::parse_list_objects(k_page);
  REQUIRE_MESSAGE(page, (page ? std::string() : page.error()));
  CHECK(page->truncated);
  CHECK(page->next_continuation_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  REQUIRE(page->objects.size() == 3);
  CHECK(page->objects[0].name == "media/a b+c.jpg");
  CHECK(page->objects[0].size == 1234);
  CHECK(page->objects[0].etag == "9b2cf535f27731c974343645a3985328");
  CHECK(page->objects[0].mtime_ns == 1796206464LL * 1'000'000'000);
  CHECK(page->objects[1].name == "media/ü<&>.png");
  CHECK(page->objects[1].etag == "d41d8cd98f00b204e9800998ecf8427e-2");
  CHECK(page->objects[1].mtime_ns == 1'000'000'000);
  CHECK(page->objects[2].name == "media/100% sure.webp");
}

TEST_CASE("s3_xml: keys without EncodingType are taken as they are") {
  const auto page = ikgen::parse_list_objects(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a+b%41.jpg</Key><Size>1</Size></Contents>"
      "</ListBucketResult>");
  REQUIRE(page);
  CHECK_FALSE(page->truncated);
  CHECK(page->objects.at(0).name == "a+b%41.jpg");
}

TEST_CASE("s3_xml: what is not a listing fails with one line") {
  CHECK(ikgen::parse_list_objects("").error() == "the listing is not a ListBucketResult document");
  CHECK(ikgen::parse_list_objects("<html>").error() == "the listing is not a ListBucketResult document");
  CHECK(ikgen::parse_list_objects("<Error><Code>AccessDenied</Code></Error>").error() ==
        "the listing is not a ListBucketResult document");
  CHECK(ikgen::parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").error() ==
        "listing: truncated without a NextContinuationToken");
  CHECK(ikgen::parse_list_objects("<ListBucketResult><Contents><Key>a</Key><Size>x</Size></Contents></ListBucketResult>")
            .error() == "listing: malformed size \"x\"");
  CHECK(ikgen::parse_list_objects(
            "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%G1</Key></Contents></ListBucketResult>")
            .error() == "listing: key malformed escape in \"a%G1\"");
  // An external entity is never fetched nor expanded.
  const auto page = ikgen::parse_list_objects(
      "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
      "<ListBucketResult><Contents><Key>k&e;</Key><Size>1</Size></Contents></ListBucketResult>");
  REQUIRE(page);
  CHECK(page->objects.at(0).name == "k");
}

TEST_CASE("s3_xml: an error body gives its code and message") {
  const ikgen::S3ErrorBody error = ikgen::parse_s3_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does "
      "not exist</Message><BucketName>b</BucketName><RequestId>tx1</RequestId></Error>");
  CHECK(error.code == "NoSuchBucket");
  CHECK(error.message == "The specified bucket does not exist");
  CHECK(ikgen::parse_s3_error("").code.empty());
  CHECK(ikgen::parse_s3_error("<html><body>Bad Gateway</body></html>").code.empty());
}

TEST_CASE("s3_xml: times and escapes") {
  CHECK(ikgen::parse_s3_time("2026-12-02T10:14:24Z").value() == 1796206464LL * 1'000'000'000);
  CHECK(ikgen::parse_s3_time("2026-12-02 10:14:24").error() == "malformed time \"2026-12-02 10:14:24\"");
  CHECK(ikgen::s3_url_decode("a%2fb%2F+c").value() == "a/b/ c");
  CHECK(ikgen::s3_url_decode("%E5%90%8D").value() == "名");
  CHECK_FALSE(ikgen::s3_url_decode("%4").has_value());
  CHECK_FALSE(ikgen::s3_url_decode("%").has_value());
}
