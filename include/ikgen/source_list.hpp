#pragma once
// Source lists: files naming sources one per line (a source group's `sources_from`, and
// `ikgen generate --sources-from`), read as a stream so that ten million names never sit in
// memory together.
//
// Format (UTF-8 by convention, read as bytes), version 1:
//   - one source name per line, relative to storage.root, lines end with LF;
//   - a line starting with `"` is a JSON string literal (RFC 8259: \" \\ \/ \b \f \n \r \t and
//     \uXXXX, surrogate pairs joined into UTF-8). A lone low surrogate \udc80..\udcff stands for
//     the byte 0x80..0xff, as Python's surrogateescape writes undecodable bytes of a file name
//     (json.dumps(os.fsdecode(raw))). Nothing may follow the closing quote;
//   - any other line is the name itself, byte for byte (spaces included);
//   - a CR before the LF is dropped (lists edited on Windows), so a name ending in CR, like one
//     with a newline or a leading quote, must be written as a JSON literal;
//   - empty lines are ignored; there are no comments; a last line without LF counts.
// A line longer than k_max_list_line bytes, a JSON literal that does not parse, or a name with
// a NUL byte is an error of that line; the reader goes on with the next line.

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "ikgen/expected.hpp"
#include "ikgen/source_walk.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

inline constexpr std::size_t k_max_list_line = 64 * 1024;

struct ListedName {
  std::size_t line = 0;       // 1-based
  Expected<std::string> name; // decoded, or why the line is not a name
};

class SourceListReader {
public:
  // Opens `path`, named `label` in messages (default: the path); throws Error (environment
  // error) naming it, and `what_would_work`, when it cannot be read.
  SourceListReader(const std::filesystem::path& path, const std::string& what_would_work, std::string label = {});
  // Reads from an already open stream (stdin); `label` names it in messages. Does not close it.
  SourceListReader(std::FILE* stream, std::string label);
  ~SourceListReader();
  SourceListReader(const SourceListReader&) = delete;
  SourceListReader& operator=(const SourceListReader&) = delete;

  // The next non-empty line, or nullopt at the end of the file.
  [[nodiscard]] std::optional<ListedName> next();
  // The file's name as given, for messages ("sources/products.txt", "stdin").
  [[nodiscard]] const std::string& label() const { return m_label; }

private:
  std::FILE* m_file = nullptr;
  bool m_owned = false;
  std::string m_label;
  std::size_t m_line = 0;
  std::string m_buffer;
};

// Decodes one line's text (without its LF) as the format above says. Returns the name, or why
// the line is not one. An empty name means the line is to be ignored.
[[nodiscard]] Expected<std::string> decode_list_line(std::string_view line);

// What a listed name is as a source: a usable file (size and mtime), or a SourceFile whose
// `rejection` says why not (absolute, "..", "." or empty segments, inside cache.dir, does not
// exist, a directory, a link leading outside storage.root). `where` ("list.txt:12") starts the
// rejection text, whose advice says to fix the list; empty `where` means a name from the command
// line: the text starts with "source" and its advice is about the name given.
// `canonical_root` is storage.root with links resolved.
[[nodiscard]] SourceFile examine_listed_source(const Project& project, const std::filesystem::path& canonical_root,
                                               const std::string& name, const std::string& where);

} // namespace ikgen
