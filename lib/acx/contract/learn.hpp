#pragma once

// A schema inferred from deliveries (acx schema learn): each member's types, the members present in every delivery as
// required, uuid, date-time and uri formats where every value has one, and small sets of strings as enums when asked.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "acx/contract/schemas.hpp"

namespace acx::contract {

struct LearnOptions {
  bool enums = false;        // strings with few distinct values become an enum
  std::size_t max_enum = 10; // ... at most this many (and fewer than the times seen)
};

class Learner {
public:
  explicit Learner(LearnOptions options = {});
  ~Learner();
  Learner(Learner&&) noexcept;
  Learner& operator=(Learner&&) noexcept;

  // One delivery's whole body, of `topic`.
  void add(const std::string& topic, const nlohmann::json& body);
  // How many deliveries of `topic` were added.
  std::uint64_t count(const std::string& topic) const;
  // A schema per topic added, in the form of the shipped ones (every level allows unknown members).
  SchemaSet schemas() const;

private:
  struct Node;
  LearnOptions m_options;
  std::map<std::string, std::unique_ptr<Node>> m_topics;
};

} // namespace acx::contract
