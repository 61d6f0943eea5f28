#include "ikgen/json.hpp"

#include <cstdio>

namespace ikgen {
namespace {

enum class Quotes { escape, keep };

void append_escaped(std::string& out, std::string_view text, Quotes quotes) {
  for (const char c : text) {
    switch (c) {
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '"':
    case '\\':
      if (quotes == Quotes::escape) out += '\\';
      out += c;
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
        out += buffer;
      } else {
        out += c;
      }
    }
  }
}

} // namespace

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  append_escaped(out, text, Quotes::escape);
  out += '"';
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text, Quotes::keep);
  return out;
}

} // namespace ikgen
