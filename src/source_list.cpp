#include "ikgen/source_list.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "ikgen/containment.hpp"
#include "ikgen/error.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Four hex digits at `text[at]`, or -1.
long read_hex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return -1;
  long value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int digit = hex_value(text[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

Expected<std::string> decode_json_literal(std::string_view line) {
  std::string out;
  std::size_t i = 1; // after the opening quote
  while (true) {
    if (i >= line.size()) {
      return fail("JSON string literal has no closing quote; escape quotes inside it as \\\"");
    }
    const char c = line[i];
    if (c == '"') break;
    if (static_cast<unsigned char>(c) < 0x20) {
      return fail("control character in a JSON string literal at column " + std::to_string(i + 1) + "; write it as \\u00" +
              "0123456789abcdef"[(static_cast<unsigned char>(c) >> 4) & 0xF] + "0123456789abcdef"[c & 0xF]);
    }
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= line.size()) {
      return fail("JSON string literal ends inside an escape");
    }
    const char e = line[i + 1];
    i += 2;
    switch (e) {
    case '"': out += '"'; continue;
    case '\\': out += '\\'; continue;
    case '/': out += '/'; continue;
    case 'b': out += '\b'; continue;
    case 'f': out += '\f'; continue;
    case 'n': out += '\n'; continue;
    case 'r': out += '\r'; continue;
    case 't': out += '\t'; continue;
    case 'u': break;
    default:
      return fail(std::string("unknown escape \\") + e + " at column " + std::to_string(i - 1) +
              "; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
    }
    const long unit = read_hex4(line, i);
    if (unit < 0) {
      return fail("\\u at column " + std::to_string(i - 1) + " needs four hex digits");
    }
    i += 4;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long low = line.substr(i, 2) == "\\u" ? read_hex4(line, i + 2) : -1;
      if (low < 0xDC00 || low > 0xDFFF) {
        return fail("high surrogate \\u" + std::string(line.substr(i - 4, 4)) + " is not followed by a low surrogate");
      }
      i += 6;
      append_utf8(out, 0x10000 + ((static_cast<std::uint32_t>(unit) - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00));
    } else if (unit >= 0xDC80 && unit <= 0xDCFF) {
      out += static_cast<char>(unit - 0xDC00); // surrogateescape: an undecodable byte of the name
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return fail("lone low surrogate \\u" + std::string(line.substr(i - 4, 4)) + " (only \\udc80..\\udcff, undecodable bytes, are allowed)");
    } else {
      append_utf8(out, static_cast<std::uint32_t>(unit));
    }
  }
  if (i + 1 != line.size()) {
    return fail("text after the closing quote of a JSON string literal at column " + std::to_string(i + 2) +
            "; one name per line");
  }
  if (out.empty()) {
    return fail("empty name \"\"");
  }
  return out;
}

} // namespace

Expected<std::string> decode_list_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return std::string();
  Expected<std::string> name = line.front() == '"' ? decode_json_literal(line) : std::string(line);
  if (name && name->find('\0') != std::string::npos) return fail("a file name cannot contain a NUL byte");
  return name;
}

SourceListReader::SourceListReader(const fs::path& path, const std::string& what_would_work, std::string label)
    : m_owned(true), m_label(label.empty() ? path.string() : std::move(label)) {
  std::error_code ignored;
  if (fs::is_directory(path, ignored)) {
    throw Error("cannot read source list " + m_label + ": it is a directory; " + what_would_work,
                ExitCode::environment_error);
  }
  m_file = std::fopen(path.c_str(), "rbe");
  if (!m_file) {
    throw Error("cannot read source list " + m_label + ": " + std::strerror(errno) + "; " + what_would_work,
                ExitCode::environment_error);
  }
}

SourceListReader::SourceListReader(std::FILE* stream, std::string label) : m_file(stream), m_label(std::move(label)) {}

SourceListReader::~SourceListReader() {
  if (m_owned && m_file) std::fclose(m_file);
}

std::optional<ListedName> SourceListReader::next() {
  while (m_file) {
    m_buffer.clear();
    bool too_long = false;
    int c = 0;
    while ((c = getc_unlocked(m_file)) != EOF && c != '\n') {
      // Past the limit the rest of the line is skipped, never stored.
      if (m_buffer.size() < k_max_list_line) m_buffer += static_cast<char>(c);
      else too_long = true;
    }
    if (c == EOF && m_buffer.empty() && !too_long) {
      if (std::ferror(m_file)) {
        const std::string reason = std::strerror(errno);
        m_file = m_owned ? (std::fclose(m_file), nullptr) : nullptr;
        throw Error("cannot read source list " + m_label + " after line " + std::to_string(m_line) + ": " + reason,
                    ExitCode::environment_error);
      }
      return std::nullopt;
    }
    const std::size_t line = ++m_line;
    if (too_long) {
      return ListedName{line, fail("line is longer than " + std::to_string(k_max_list_line) + " bytes; is this a source list?")};
    }
    Expected<std::string> name = decode_list_line(m_buffer);
    if (name && name->empty()) continue;
    return ListedName{line, std::move(name)};
  }
  return std::nullopt;
}

namespace {

SourceFile rejected(const std::string& name, const std::string& reason) {
  SourceFile file;
  file.name = name;
  file.rejection = reason;
  return file;
}

// A name as Django's storage would give it: relative, '/'-separated, no ".", ".." or empty
// segments (such a name would also name its cache file differently from the walk's).
// `give_names` ends the advice: "list names" for a list, "give names" for the command line.
std::string name_problem(const std::string& name, const std::string& cache_dir, const std::string& give_names) {
  if (name.front() == '/') return "is an absolute path; " + give_names + " relative to storage.root";
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    const std::string_view segment(name.data() + start, slash - start);
    if (segment == "..") return "goes outside storage.root (\"..\"); " + give_names + " relative to storage.root";
    if (segment.empty() || segment == ".") {
      return "is not a normalised name (empty or \".\" segment); write it as Django stores it, like photos/a.jpg";
    }
    start = slash + 1;
  }
  if (name == cache_dir || name.rfind(cache_dir + "/", 0) == 0) {
    return "lies inside cache.dir (" + cache_dir + "); renditions are not sources";
  }
  return {};
}

} // namespace

SourceFile examine_listed_source(const Project& project, const fs::path& canonical_root, const std::string& name,
                                 const std::string& where_listed) {
  // The advice depends on where the name came from: a list line is fixed in the list, a
  // command-line argument on the command line.
  const bool from_list = !where_listed.empty();
  const std::string where = from_list ? where_listed : std::string("source");
  const std::string problem = name_problem(name, project.cache_dir, from_list ? "list names" : "give names");
  if (!problem.empty()) return rejected(name, where + ": " + problem);
  const fs::path path = project.storage_root / name;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return rejected(name, where + ": does not exist under storage.root (" + project.storage_root.string() +
                                "); " + (from_list ? "fix the list" : "check the name") + " or restore the file");
    }
    return rejected(name, where + ": cannot read source: " + std::strerror(error));
  }
  if (S_ISLNK(info.st_mode)) {
    std::error_code error;
    const fs::path target = fs::canonical(path, error);
    if (error) return rejected(name, where + ": symbolic link cannot be resolved (" + error.message() + ")");
    if (!is_within(canonical_root, target)) return rejected(name, where + ": not followed: symbolic link points outside storage.root");
    if (::stat(path.c_str(), &info) != 0) return rejected(name, where + ": cannot read source: " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) return rejected(name, where + ": is a directory, not an image file");
  if (!S_ISREG(info.st_mode)) return rejected(name, where + ": is not a regular file (a device, socket or pipe)");
  SourceFile file;
  file.name = name;
  file.size = static_cast<std::uintmax_t>(info.st_size);
  file.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  return file;
}

} // namespace ikgen
