#include "ikgen/glob.hpp"

#include <vector>

namespace ikgen {
namespace {

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) segments.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// Matches a `[...]` class at pattern[p] against c; advances p past the class. Returns false
// with p unchanged when the class is not closed (then '[' is literal).
bool match_class(std::string_view pattern, std::size_t& p, char c, bool& matched) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  for (; i < pattern.size() && (first || pattern[i] != ']'); ++i) {
    first = false;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= c && c <= pattern[i + 2]) found = true;
      i += 2;
    } else if (pattern[i] == c) {
      found = true;
    }
  }
  if (i >= pattern.size()) return false;
  p = i + 1;
  matched = found != negate;
  return true;
}

// One segment against one name: '*', '?', '[...]'. Iterative with backtracking to the last '*'.
bool match_segment(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0;
  std::size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      bool matched = false;
      std::size_t next = p;
      if (pattern[p] == '[' && match_class(pattern, next, name[n], matched)) {
        if (matched) {
          p = next;
          ++n;
          continue;
        }
      } else if (pattern[p] == '?' || pattern[p] == name[n]) {
        ++p;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool match_segments(const std::vector<std::string_view>& pattern, std::size_t pi,
                    const std::vector<std::string_view>& path, std::size_t si) {
  while (pi < pattern.size()) {
    if (pattern[pi] == "**") {
      // Collapse runs of "**"; then try every possible number of directories it absorbs.
      while (pi + 1 < pattern.size() && pattern[pi + 1] == "**") ++pi;
      if (pi + 1 == pattern.size()) return si < path.size();
      for (std::size_t k = si; k < path.size(); ++k)
        if (match_segments(pattern, pi + 1, path, k)) return true;
      return false;
    }
    if (si >= path.size() || !match_segment(pattern[pi], path[si])) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

} // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_segments(split_segments(pattern), 0, split_segments(path), 0);
}

std::string_view glob_literal_prefix(std::string_view pattern) {
  std::size_t end = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = pattern.find('/', start);
    if (slash == std::string_view::npos) break;
    const std::string_view segment = pattern.substr(start, slash - start);
    if (segment.find_first_of("*?[") != std::string_view::npos) break;
    end = slash;
    start = slash + 1;
  }
  return pattern.substr(0, end);
}

} // namespace ikgen
