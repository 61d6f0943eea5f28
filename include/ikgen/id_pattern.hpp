#pragma once
// Generator-id patterns, as django-imagekit's generateimages compiles them: `*` matches within
// one colon-separated segment, `**` across segments, and a pattern also matches ids that extend
// it with more ":segments" (`a` matches `a` and `a:b`, not `ab`).

#include <regex>
#include <string>
#include <string_view>

namespace ikgen {

class IdPattern {
public:
  explicit IdPattern(std::string pattern);
  [[nodiscard]] bool matches(std::string_view id) const;
  [[nodiscard]] const std::string& text() const { return m_text; }

private:
  std::string m_text;
  std::regex m_regex;
};

} // namespace ikgen
