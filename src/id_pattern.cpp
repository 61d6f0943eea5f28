#include "ikgen/id_pattern.hpp"

namespace ikgen {
namespace {

// Mirrors imagekit's compile_pattern: split on runs of one or two '*', escape the rest, and
// accept any further ":segments" after the pattern.
std::string pattern_to_regex(const std::string& pattern) {
  std::string regex = "^";
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '*') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
        regex += ".*";
        i += 2;
      } else {
        regex += "[^:]*";
        i += 1;
      }
      continue;
    }
    const char c = pattern[i++];
    if (std::string_view("\\^$.|?+()[]{}/").find(c) != std::string_view::npos) regex += '\\';
    regex += c;
  }
  regex += "(:.*)?$";
  return regex;
}

} // namespace

IdPattern::IdPattern(std::string pattern)
    : m_text(std::move(pattern)), m_regex(pattern_to_regex(m_text), std::regex::ECMAScript) {}

bool IdPattern::matches(std::string_view id) const {
  return std::regex_match(id.begin(), id.end(), m_regex);
}

} // namespace ikgen
