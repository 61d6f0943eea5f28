#pragma once
// A compact set of names with their sizes, for knowing which of millions of cache files exist
// without asking the storage about each: what a listing returned, in one buffer of name bytes
// and 24 bytes an entry (an unordered_map of strings costs about 100 bytes more an entry), and
// the changes made since, applied on top. Not thread-safe: its owner locks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ikgen {

class NameIndex {
public:
  // Adds a listed name (in any order; the same name twice keeps the last). Call seal() after the
  // last one and before any look-up.
  void add(std::string_view name, std::uint64_t size);
  void seal();

  // The size of `name`, or nullopt when it is not in the set.
  [[nodiscard]] std::optional<std::uint64_t> find(std::string_view name) const;

  // A name written or removed since the listing: recorded on top of it (so that a listing
  // adopted later, with take_listing, cannot undo a change made while it ran).
  void set(std::string_view name, std::uint64_t size);
  void erase(std::string_view name);

  // Adopts `listing`'s names (sealed) as the listed ones, keeping this index's changes on top.
  // Called once: changes made after it may be folded into the listed names.
  void take_listing(NameIndex&& listing);

  [[nodiscard]] std::size_t listed_count() const { return m_entries.size(); }
  [[nodiscard]] std::size_t change_count() const { return m_changes.size(); }

private:
  struct Entry {
    std::uint64_t offset;
    std::uint32_t length;
    std::uint64_t size;
  };
  [[nodiscard]] std::string_view name_of(const Entry& entry) const {
    return std::string_view(m_names).substr(entry.offset, entry.length);
  }
  // Folds the changes into the listed names when they grow large, to keep look-ups compact.
  void compact_if_large();

  std::string m_names;
  std::vector<Entry> m_entries; // sorted by name after seal()
  std::unordered_map<std::string, std::optional<std::uint64_t>> m_changes; // nullopt: removed
  bool m_listed = false; // take_listing ran
};

} // namespace ikgen
