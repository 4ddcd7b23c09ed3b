#pragma once

#include <functional>
#include <string>
#include <vector>

#include "acx/http/server.hpp"
#include "acx/sandbox/limits.hpp"
#include "acx/sandbox/options.hpp"
#include "acx/util/crypto.hpp"

namespace acx::sandbox {

// What every route of the sandbox passes first, as AccuLynx's: a known API key (Bearer, compared in constant time),
// then the limits (429 past them, with Retry-After only when --retry-after asks for it). A body of the wrong shape
// is a 400 problem.
class Gate {
public:
  explicit Gate(const Options& options);

  using Call = std::function<http::Response(const http::Request&, const std::string& key)>;
  // `call` behind the key check and the limits; `counted` false for the sandbox's own routes (/_sandbox: what a person
  // does in AccuLynx's screens, and usage), which must not change what they observe.
  http::Handler guard(Call call, bool counted = true);
  // A member function of `self` as the call.
  template <class T>
  http::Handler guard(T* self, http::Response (T::*call)(const http::Request&, const std::string&), bool counted = true)
  {
    return guard([self, call](const http::Request& r, const std::string& key) { return (self->*call)(r, key); },
                 counted);
  }

  const Limits& limits() const { return m_limits; }

private:
  http::Response too_many(const Limits::Judged& judged) const;

  const Options& m_options;
  Limits m_limits;
  std::vector<util::Digest> m_key_digests;
};

} // namespace acx::sandbox
