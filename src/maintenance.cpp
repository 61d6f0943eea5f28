#include "ikgen/maintenance.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <xxhash.h>

#include "ikgen/error.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/source_walk.hpp"
#include "ikgen/state_location.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;

std::uint64_t name_hash(const std::string& name) { return XXH3_64bits(name.data(), name.size()); }

std::uint64_t record_hash(const std::string& generator, const std::string& source, const std::string& cache_name) {
  const std::string key = generator + '\0' + source + '\0' + cache_name;
  return XXH3_64bits(key.data(), key.size());
}

// The state file and its companions, which live in the cache directory by default.
bool is_state_file(const Project& project, const fs::path& path) {
  const std::string state = project.state_file.lexically_normal().string();
  const std::string candidate = path.lexically_normal().string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock", ".claims"}) {
    if (candidate == state + suffix) return true;
  }
  return false;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

} // namespace

ExitCode prune(const Project& project, SourceStream& sources, StateStore& store, Storage& storage, DryRun dry_run,
               bool force, Reporter& reporter, OutputClaims& claims) {
  std::unordered_set<std::uint64_t> expected_files;   // hash of the cache name
  std::unordered_set<std::uint64_t> expected_records; // hash of generator, source and cache name
  sources.for_each([&](const SourceJobs& source) {
    for (const OutputJob& output : source.outputs) {
      expected_files.insert(name_hash(output.cache_name));
      expected_records.insert(record_hash(output.spec->id, source.source.name, output.cache_name));
    }
  });
  if (!sources.empty_groups().empty() && !force) {
    throw Error("refusing to prune: source group \"" + sources.empty_groups().front() +
                    "\" matches no file, so all of its renditions would be removed; check storage.root and the "
                    "include globs, or pass --force if the files are really gone",
                ExitCode::environment_error);
  }
  if (sources.list_errors() > 0 && !force) {
    throw Error("refusing to prune: " + std::to_string(sources.list_errors()) +
                    " source list line(s) are not names (see the errors above), so their sources are unknown; fix "
                    "the lists, or pass --force",
                ExitCode::environment_error);
  }
  if (dry_run == DryRun::no) {
    const ClaimWait waited = claims.claim_all(k_claim_patience, [] { return interrupt_requested(); });
    if (waited != ClaimWait::claimed) {
      throw Error("refusing to prune: an ikgen generate kept generating for " +
                      std::to_string(k_claim_patience.count() / 1000) + " s (" + claims_file_of(project).string() +
                      " is locked); try again later",
                  waited == ClaimWait::stopped ? ExitCode::interrupted : ExitCode::environment_error);
    }
  }
  store.invalidate();

  // Walk the cache directory only; symbolic links are entries to remove, never followed.
  const fs::path cache_root = project.storage_root / project.cache_dir;
  std::vector<std::string> orphans;
  std::unordered_map<std::string, std::uint64_t> listed_sizes; // of the orphans, on a remote storage
  std::vector<fs::path> directories;
  std::error_code error;
  if (storage.is_remote()) {
    // One listing of the cache prefix (a request per 1000 files); there are no directories.
    const Expected<void> listed = storage.list(project.cache_dir + "/", [&](std::span<const ObjectInfo> page) {
      for (const ObjectInfo& object : page) {
        if (expected_files.count(name_hash(object.name))) continue;
        orphans.push_back(object.name);
        listed_sizes.emplace(object.name, object.size);
      }
      return true;
    });
    if (!listed) {
      throw Error("refusing to prune: cannot list the cache files under " + storage.describe() + "/" + project.cache_dir +
                      ": " + listed.error(),
                  ExitCode::environment_error);
    }
  } else if (fs::is_directory(cache_root, error)) {
    for (fs::recursive_directory_iterator it(cache_root, fs::directory_options::skip_permission_denied, error), end;
         it != end && !error; it.increment(error)) {
      const fs::file_type type = entry_type(*it, error);
      if (error) break;
      if (type == fs::file_type::directory) {
        directories.push_back(it->path());
        continue;
      }
      if (is_state_file(project, it->path())) continue;
      // Lexical: fs::relative would resolve every path component with system calls.
      const std::string name = it->path().lexically_relative(project.storage_root).generic_string();
      if (!expected_files.count(name_hash(name))) orphans.push_back(name);
    }
    if (error) reporter.warning("cannot walk all of " + cache_root.string() + ": " + error.message());
  }
  std::sort(orphans.begin(), orphans.end());

  std::size_t removed = 0;
  std::uintmax_t removed_bytes = 0;
  std::size_t failed = 0;
  for (const std::string& name : orphans) {
    const auto listed_size = listed_sizes.find(name);
    const std::uintmax_t size =
        listed_size != listed_sizes.end() ? listed_size->second : fs::file_size(project.storage_root / name, error);
    if (dry_run == DryRun::yes) {
      std::printf("would remove %s\n", printable(name).c_str());
    } else if (const Expected<void> removal = storage.remove(name); !removal) {
      reporter.failure({name, "", "", removal.error()});
      ++failed;
      continue;
    } else {
      std::printf("removed %s\n", printable(name).c_str());
    }
    ++removed;
    removed_bytes += error ? 0 : size;
  }

  std::size_t forgotten = 0;
  store.for_each([&](const CacheRecord& record) {
    if (expected_records.count(record_hash(record.generator, record.source, record.cache_name))) return;
    ++forgotten;
    if (dry_run == DryRun::no) store.forget(record.generator, record.source);
  });
  store.flush();

  if (dry_run == DryRun::no) {
    // Deepest first, so a directory emptied by its children's removal goes too.
    std::sort(directories.begin(), directories.end(), [](const fs::path& a, const fs::path& b) {
      return a.string().size() > b.string().size();
    });
    for (const fs::path& directory : directories) {
      if (fs::is_empty(directory, error)) fs::remove(directory, error);
    }
  }
  if (dry_run == DryRun::no) reporter.removed(removed);
  std::printf("prune%s: %s %zu files (%.1f MB) and %zu state records\n", dry_run == DryRun::yes ? " (dry run)" : "",
              dry_run == DryRun::yes ? "would remove" : "removed", removed, static_cast<double>(removed_bytes) / 1e6,
              forgotten);
  return failed > 0 ? ExitCode::some_failed : ExitCode::success;
}

ExitCode write_manifest(const std::vector<const Spec*>& selected, StateStore& store, ManifestFormat format) {
  std::set<std::string> ids;
  for (const Spec* spec : selected) ids.insert(spec->id);
  if (format == ManifestFormat::csv) std::printf("generator,source,file,width,height,bytes\n");
  store.for_each([&](const CacheRecord& r) {
    // Once the reader is gone (SIGPIPE) or the user pressed Ctrl-C, the rest is only skipped.
    if (interrupt_requested() || !ids.count(r.generator)) return;
    if (format == ManifestFormat::csv) {
      std::printf("%s,%s,%s,%d,%d,%llu\n", csv_field(r.generator).c_str(), csv_field(r.source).c_str(),
                  csv_field(r.cache_name).c_str(), r.width, r.height, static_cast<unsigned long long>(r.bytes));
    } else {
      std::printf("{\"generator\": %s, \"source\": %s, \"file\": %s, \"width\": %d, \"height\": %d, \"bytes\": %llu}\n",
                  json_quote(r.generator).c_str(), json_quote(r.source).c_str(), json_quote(r.cache_name).c_str(), r.width,
                  r.height, static_cast<unsigned long long>(r.bytes));
    }
  });
  return interrupt_requested() ? interrupt_exit_code() : ExitCode::success;
}

} // namespace ikgen
