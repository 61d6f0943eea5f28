#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "ikgen/s3_request.hpp"

using ikgen::KeepSlash;
using ikgen::s3_uri_encode;

TEST_CASE("s3_request: SigV4's URI encoding leaves only A-Za-z0-9-._~ (and '/' in paths)") {
  CHECK(s3_uri_encode("AZaz09-._~", KeepSlash::no) == "AZaz09-._~");
  CHECK(s3_uri_encode("a b+c%d=e&f", KeepSlash::yes) == "a%20b%2Bc%25d%3De%26f");
  CHECK(s3_uri_encode("dir/sub/x.jpg", KeepSlash::yes) == "dir/sub/x.jpg");
  CHECK(s3_uri_encode("dir/sub", KeepSlash::no) == "dir%2Fsub");
  CHECK(s3_uri_encode("ü名", KeepSlash::yes) == "%C3%BC%E5%90%8D");
  CHECK(s3_uri_encode("!*'();:@$,?#[]", KeepSlash::yes) == "%21%2A%27%28%29%3B%3A%40%24%2C%3F%23%5B%5D");
  CHECK(s3_uri_encode(std::string("\0\x7f\xff", 3), KeepSlash::yes) == "%00%7F%FF");
}

TEST_CASE("s3_request: URLs for path-style and virtual-hosted addressing, the query sorted and encoded") {
  std::atomic<std::uint64_t> retries{0};
  ikgen::S3ClientSettings settings;
  settings.endpoint = "http://127.0.0.1:7480";
  settings.bucket = "media";
  settings.path_style = true;
  ikgen::S3Client path_style(settings, retries);
  ikgen::S3Request request;
  request.key = "CACHE/a b+.jpg";
  CHECK(path_style.url(request) == "http://127.0.0.1:7480/media/CACHE/a%20b%2B.jpg");
  CHECK(path_style.describe("CACHE/a b+.jpg") == "s3://media/CACHE/a b+.jpg");

  ikgen::S3Request listing;
  listing.query = {{"prefix", "site/CACHE images/"}, {"list-type", "2"}, {"max-keys", "1000"},
                   {"continuation-token", "abc/+=="}, {"encoding-type", "url"}};
  CHECK(path_style.url(listing) ==
        "http://127.0.0.1:7480/media?continuation-token=abc%2F%2B%3D%3D&encoding-type=url&list-type=2&max-keys=1000&"
        "prefix=site%2FCACHE%20images%2F");

  settings.endpoint = "https://s3.eu-west-1.amazonaws.com";
  settings.path_style = false;
  ikgen::S3Client virtual_hosted(settings, retries);
  CHECK(virtual_hosted.url(request) == "https://media.s3.eu-west-1.amazonaws.com/CACHE/a%20b%2B.jpg");
  CHECK(virtual_hosted.url(listing).rfind("https://media.s3.eu-west-1.amazonaws.com/?continuation-token=", 0) == 0);
}

TEST_CASE("s3_request: a failed response in one line, with its tries") {
  ikgen::S3Response response;
  response.status = 403;
  response.body = "<Error><Code>SignatureDoesNotMatch</Code><Message>...</Message></Error>";
  CHECK(ikgen::S3Client::describe_failure(response) == "HTTP 403 SignatureDoesNotMatch");
  response.body.clear();
  response.status = 404;
  CHECK(ikgen::S3Client::describe_failure(response) == "HTTP 404 NotFound");
  response.status = 503;
  response.body = "<Error><Code>SlowDown</Code></Error>";
  response.attempts = 7;
  response.seconds = 30.04;
  CHECK(ikgen::S3Client::describe_failure(response) == "HTTP 503 SlowDown, still after 7 tries in 30.0 s");
}
