#include <doctest/doctest.h>

#include <cstdio>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/source_list.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

// The decoded name, or "error: <why>".
std::string decode(std::string_view line) {
  const ikgen::Expected<std::string> name = ikgen::decode_list_line(line);
  return name ? *name : "error: " + name.error();
}

std::vector<std::string> read_all(const std::filesystem::path& path) {
  ikgen::SourceListReader reader(path, "fix it");
  std::vector<std::string> out;
  while (const std::optional<ikgen::ListedName> listed = reader.next()) {
    out.push_back(std::to_string(listed->line) + ":" + (listed->name ? *listed->name : "error: " + listed->name.error()));
  }
  return out;
}

} // namespace

TEST_CASE("source list: plain lines are names byte for byte") {
  CHECK(decode("photos/a.jpg") == "photos/a.jpg");
  CHECK(decode(" leading and trailing spaces ") == " leading and trailing spaces ");
  CHECK(decode("tab\tinside.jpg") == "tab\tinside.jpg");
  CHECK(decode("ünïcødé/ä b.jpg") == "ünïcødé/ä b.jpg");
  CHECK(decode("raw\xff\xfe.jpg") == "raw\xff\xfe.jpg"); // not UTF-8: passed through
  CHECK(decode("a\"quote-inside.jpg") == "a\"quote-inside.jpg");
  CHECK(decode("back\\slash.jpg") == "back\\slash.jpg");
}

TEST_CASE("source list: CRLF policy and empty lines") {
  CHECK(decode("photos/a.jpg\r") == "photos/a.jpg"); // the CR of a CRLF line ending is dropped
  CHECK(decode("") == "");                            // ignored
  CHECK(decode("\r") == "");                          // an empty CRLF line, ignored too
  CHECK(decode("a.jpg\r\r") == "a.jpg\r");            // only one CR is a line ending
  CHECK(decode("\"ends-in-cr\\r\"") == "ends-in-cr\r");
  CHECK(decode("\"a.jpg\"\r") == "a.jpg");
}

TEST_CASE("source list: every JSON escape") {
  CHECK(decode(R"("a\nb.jpg")") == "a\nb.jpg");
  CHECK(decode(R"("q\"uote.jpg")") == "q\"uote.jpg");
  CHECK(decode(R"("\"leading-quote.jpg")") == "\"leading-quote.jpg");
  CHECK(decode(R"("back\\slash.jpg")") == "back\\slash.jpg");
  CHECK(decode(R"("sl\/ash.jpg")") == "sl/ash.jpg");
  CHECK(decode(R"("\b\f\n\r\t.jpg")") == "\b\f\n\r\t.jpg");
  CHECK(decode(R"("\u00e9t\u00C9.jpg")") == "\xc3\xa9t\xc3\x89.jpg");    // é, É
  CHECK(decode(R"("\u20ac.jpg")") == "\xe2\x82\xac.jpg");                // €
  CHECK(decode(R"("\ud83d\ude00.jpg")") == "\xf0\x9f\x98\x80.jpg");     // a surrogate pair: U+1F600
  CHECK(decode(R"("\u0001ctl.jpg")") == "\x01" "ctl.jpg");
  CHECK(decode(R"("raw\udcff\udc80.jpg")") == "raw\xff\x80.jpg");       // Python's surrogateescape bytes
  CHECK(decode(R"("unescaped ünï.jpg")") == "unescaped ünï.jpg");       // json.dumps(ensure_ascii=False)
  CHECK(decode(R"("  spaces  ")") == "  spaces  ");
}

TEST_CASE("source list: invalid JSON literals are errors that say what is wrong") {
  CHECK(decode(R"("no closing quote.jpg)") == "error: JSON string literal has no closing quote; escape quotes inside it as \\\"");
  CHECK(decode(R"("a.jpg" trailing)") == "error: text after the closing quote of a JSON string literal at column 8; one name per line");
  CHECK(decode(R"("a\x.jpg")") == "error: unknown escape \\x at column 3; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
  CHECK(decode(R"("a\u12.jpg")") == "error: \\u at column 3 needs four hex digits");
  CHECK(decode(R"("\ud83d.jpg")") == "error: high surrogate \\ud83d is not followed by a low surrogate");
  CHECK(decode(R"("\udc00.jpg")") == "error: lone low surrogate \\udc00 (only \\udc80..\\udcff, undecodable bytes, are allowed)");
  CHECK(decode("\"tab\tinside\"") == "error: control character in a JSON string literal at column 5; write it as \\u0009");
  CHECK(decode(R"("nul\u0000.jpg")") == "error: a file name cannot contain a NUL byte");
  CHECK(decode(R"("")") == "error: empty name \"\"");
  CHECK(decode(R"("a\)") == "error: JSON string literal ends inside an escape");
}

TEST_CASE("SourceListReader: line numbers count every line, a bad line does not stop the list") {
  TempDir dir;
  dir.write("list.txt", "a.jpg\n\n\"b\\nc.jpg\"\r\n\"bad\\q\"\nd e.jpg\r\n\r\nlast-without-newline.jpg");
  CHECK(read_all(dir / "list.txt") ==
        std::vector<std::string>{"1:a.jpg", "3:b\nc.jpg", "4:error: unknown escape \\q at column 5; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                                 "5:d e.jpg", "7:last-without-newline.jpg"});
  dir.write("empty.txt", "");
  CHECK(read_all(dir / "empty.txt").empty());
}

TEST_CASE("SourceListReader: an overlong line is an error of that line, never held whole") {
  TempDir dir;
  dir.write("list.txt", "a.jpg\n" + std::string(ikgen::k_max_list_line + 10, 'x') + "\nb.jpg\n");
  const std::vector<std::string> lines = read_all(dir / "list.txt");
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "2:error: line is longer than 65536 bytes; is this a source list?");
  CHECK(lines[2] == "3:b.jpg");
}

TEST_CASE("SourceListReader: a missing list names the file and what would work") {
  TempDir dir;
  try {
    ikgen::SourceListReader reader(dir / "nowhere.txt", "write the list", "sources/nowhere.txt");
    FAIL("no error");
  } catch (const ikgen::Error& e) {
    CHECK(std::string(e.what()) == "cannot read source list sources/nowhere.txt: No such file or directory; write the list");
    CHECK(e.code() == ikgen::ExitCode::environment_error);
  }
}

TEST_CASE("SourceListReader: reads a stream (standard input) without closing it") {
  std::FILE* stream = std::tmpfile();
  std::fputs("x.jpg\n\"y\\tz.jpg\"\n", stream);
  std::rewind(stream);
  {
    ikgen::SourceListReader reader(stream, "stdin");
    CHECK(reader.next()->name == "x.jpg");
    CHECK(reader.next()->name == "y\tz.jpg");
    CHECK(!reader.next());
  }
  CHECK(std::fputs("still open\n", stream) >= 0);
  std::fclose(stream);
}

TEST_CASE("examine_listed_source: what a listed name is, with the list and line in every rejection") {
  TempDir dir;
  ikgen::Project project;
  project.storage_root = dir / "media";
  project.cache_dir = "CACHE/images";
  dir.write("media/photos/a b.jpg", "12345");
  dir.write("media/CACHE/images/photos/x.jpg", "x");
  std::filesystem::create_directories(dir / "media/photos/dir.jpg");
  dir.write("outside.jpg", "x");
  std::filesystem::create_symlink(dir / "outside.jpg", dir / "media/photos/escape.jpg");
  const auto root = std::filesystem::canonical(project.storage_root);
  const auto rejection = [&](const std::string& name) {
    return ikgen::examine_listed_source(project, root, name, "l.txt:3").rejection;
  };
  const ikgen::SourceFile ok = ikgen::examine_listed_source(project, root, "photos/a b.jpg", "l.txt:3");
  CHECK(ok.rejection.empty());
  CHECK(ok.size == 5);
  CHECK(ok.mtime_ns > 0);
  CHECK(rejection("photos/missing.jpg") ==
        "l.txt:3: does not exist under storage.root (" + project.storage_root.string() + "); fix the list or restore the file");
  CHECK(rejection("/etc/passwd") == "l.txt:3: is an absolute path; list names relative to storage.root");
  CHECK(rejection("photos/../../outside.jpg") == "l.txt:3: goes outside storage.root (\"..\"); list names relative to storage.root");
  CHECK(rejection("./photos/a b.jpg").find("is not a normalised name") != std::string::npos);
  CHECK(rejection("photos//a b.jpg").find("is not a normalised name") != std::string::npos);
  CHECK(rejection("CACHE/images/photos/x.jpg") == "l.txt:3: lies inside cache.dir (CACHE/images); renditions are not sources");
  CHECK(rejection("photos/dir.jpg") == "l.txt:3: is a directory, not an image file");
  CHECK(rejection("photos/escape.jpg") == "l.txt:3: not followed: symbolic link points outside storage.root");
  SUBCASE("a name from the command line gets advice about the name, not about a list") {
    const auto argument = [&](const std::string& name) {
      return ikgen::examine_listed_source(project, root, name, "").rejection;
    };
    CHECK(argument("gone.jpg") == "source: does not exist under storage.root (" + project.storage_root.string() +
                                      "); check the name or restore the file");
    CHECK(argument("/etc/passwd") == "source: is an absolute path; give names relative to storage.root");
    CHECK(argument("photos/../../outside.jpg") ==
          "source: goes outside storage.root (\"..\"); give names relative to storage.root");
  }
}

TEST_CASE("config: sources_from, alone or filtered by include") {
  TempDir dir;
  const std::string head = "storage: {root: media}\nspecs: [{id: s, processors: [{Resize: {width: 1, height: 1}}]}]\n";
  SUBCASE("alone, relative to the YAML's directory") {
    const ikgen::Project project =
        ikgen::parse_project(head + "source_groups:\n  - {id: g, specs: [s], sources_from: lists/g.txt}\n", "site/p.yaml", dir / "site");
    REQUIRE(project.source_groups.size() == 1);
    CHECK(project.source_groups[0].sources_from == dir / "site/lists/g.txt");
    CHECK(project.source_groups[0].sources_from_label == "site/lists/g.txt");
    CHECK(project.source_groups[0].include.empty());
  }
  SUBCASE("with include and exclude") {
    const ikgen::Project project = ikgen::parse_project(
        head + "source_groups:\n  - {id: g, specs: [s], sources_from: g.txt, include: ['*.jpg'], exclude: ['tmp/**']}\n", "p.yaml", dir.path());
    CHECK(project.source_groups[0].include == std::vector<std::string>{"*.jpg"});
  }
  SUBCASE("neither include nor sources_from") {
    CHECK_THROWS_WITH(ikgen::parse_project(head + "source_groups:\n  - {id: g, specs: [s]}\n", "p.yaml", dir.path()),
                      "p.yaml:4:5: source group \"g\" needs \"include\" (globs relative to storage.root, such as "
                      "\"photos/**/*.jpg\") or \"sources_from\" (a file listing source names)");
  }
}

TEST_CASE("SourceStream: listed groups after the walk, filtered, each name with its group's specs") {
  TempDir dir;
  dir.write("p.yaml", "storage: {root: media}\nspecs:\n  - {id: a, processors: [{Resize: {width: 1, height: 1}}]}\n"
                      "  - {id: b, processors: [{Resize: {width: 2, height: 2}}]}\n"
                      "source_groups:\n  - {id: walked, specs: [a], include: ['w/*.jpg']}\n"
                      "  - {id: listed, specs: [b], sources_from: l.txt, include: ['**/*.jpg'], exclude: ['skip/**']}\n");
  dir.write("l.txt", "z.jpg\nw/1.jpg\nskip/x.jpg\nnot-a-jpeg.png\nmissing.jpg\n\"bad\nz.jpg\n");
  for (const char* name : {"media/w/1.jpg", "media/z.jpg", "media/skip/x.jpg", "media/not-a-jpeg.png"}) dir.write(name, "x");
  const ikgen::Project project = ikgen::load_project(dir / "p.yaml");
  std::vector<std::string> errors;
  ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [](const std::string&) {},
                             [&](const std::string& e) { errors.push_back(e); });
  std::vector<std::string> seen;
  stream.for_each([&](ikgen::SourceJobs& jobs) {
    REQUIRE(jobs.outputs.size() == 1);
    seen.push_back(jobs.source.name + " " + jobs.outputs[0].spec->id + (jobs.source.rejection.empty() ? "" : " rejected"));
  });
  // The walk first (sorted), then the list in its own order; a repeat is not merged.
  CHECK(seen == std::vector<std::string>{"w/1.jpg a", "z.jpg b", "w/1.jpg b", "missing.jpg b rejected", "z.jpg b"});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind((dir / "l.txt").string() + ":6: JSON string literal has no closing quote", 0) == 0);
  CHECK(stream.list_errors() == 1);
  CHECK(stream.empty_groups().empty());
}
