// XML from S3, read with libxml2 rather than pugixml: it is the parser most of Debian already
// depends on, maintained and fuzzed continuously, strict about well-formedness and UTF-8, and
// never fetches anything while parsing (XML_PARSE_NONET, no external entities). ikgen reads
// only two small documents, so the DOM is fine and its C API stays within this file.

#include "ikgen/s3_xml.hpp"

#include <cstdlib>
#include <ctime>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <memory>
#include <mutex>

namespace ikgen {
namespace {

struct DocumentFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using Document = std::unique_ptr<xmlDoc, DocumentFree>;

Document parse_document(std::string_view xml) {
  // xmlInitParser is not thread-safe itself; every later parse is.
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  if (xml.empty() || xml.size() > 64u << 20) return nullptr;
  return Document(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

// Local names only: S3 puts everything in its default namespace, and some stores omit it.
bool is(const xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::string text_of(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return text;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

} // namespace

Expected<std::string> s3_url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) return fail("malformed escape in \"" + std::string(text) + "\"");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Expected<std::int64_t> parse_s3_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  std::tm parts{};
  const std::string copy(text);
  if (copy.size() < 20 || copy[4] != '-' || copy[7] != '-' || copy[10] != 'T' || copy[13] != ':' ||
      copy[16] != ':' || copy.back() != 'Z') {
    return fail("malformed time \"" + copy + "\"");
  }
  const auto number = [&](std::size_t at, std::size_t length) {
    int value = 0;
    for (std::size_t i = at; i < at + length; ++i) {
      if (copy[i] < '0' || copy[i] > '9') return -1;
      value = value * 10 + (copy[i] - '0');
    }
    return value;
  };
  parts.tm_year = number(0, 4) - 1900;
  parts.tm_mon = number(5, 2) - 1;
  parts.tm_mday = number(8, 2);
  parts.tm_hour = number(11, 2);
  parts.tm_min = number(14, 2);
  parts.tm_sec = number(17, 2);
  if (parts.tm_year < 0 || parts.tm_mon < 0 || parts.tm_mday < 0 || parts.tm_hour < 0 || parts.tm_min < 0 ||
      parts.tm_sec < 0) {
    return fail("malformed time \"" + copy + "\"");
  }
  return static_cast<std::int64_t>(::timegm(&parts)) * 1'000'000'000;
}

Expected<ListObjectsPage> parse_list_objects(std::string_view xml) {
  const Document doc = parse_document(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr || !is(root, "ListBucketResult")) return fail("the listing is not a ListBucketResult document");
  ListObjectsPage page;
  bool url_encoded = false;
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (is(child, "EncodingType")) url_encoded = text_of(child) == "url";
  }
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (is(child, "IsTruncated")) {
      page.truncated = text_of(child) == "true";
    } else if (is(child, "NextContinuationToken")) {
      page.next_continuation_token = text_of(child);
    } else if (is(child, "Contents")) {
      ObjectInfo object;
      for (const xmlNode* field = child->children; field != nullptr; field = field->next) {
        if (is(field, "Key")) {
          std::string key = text_of(field);
          if (url_encoded) {
            Expected<std::string> decoded = s3_url_decode(key);
            if (!decoded) return fail("listing: key " + decoded.error());
            key = std::move(*decoded);
          }
          object.name = std::move(key);
        } else if (is(field, "Size")) {
          const std::string size = text_of(field);
          char* end = nullptr;
          object.size = std::strtoull(size.c_str(), &end, 10);
          if (size.empty() || *end != '\0') return fail("listing: malformed size \"" + size + "\"");
        } else if (is(field, "LastModified")) {
          Expected<std::int64_t> time = parse_s3_time(text_of(field));
          if (!time) return fail("listing: " + time.error());
          object.mtime_ns = *time;
        } else if (is(field, "ETag")) {
          std::string etag = text_of(field);
          if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
          object.etag = std::move(etag);
        }
      }
      if (object.name.empty()) return fail("listing: an entry without a Key");
      page.objects.push_back(std::move(object));
    }
  }
  if (page.truncated && page.next_continuation_token.empty()) {
    return fail("listing: truncated without a NextContinuationToken");
  }
  return page;
}

S3ErrorBody parse_s3_error(std::string_view xml) {
  S3ErrorBody error;
  const Document doc = parse_document(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr || !is(root, "Error")) return error;
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (is(child, "Code")) error.code = text_of(child);
    else if (is(child, "Message")) error.message = text_of(child);
  }
  return error;
}

} // namespace ikgen
