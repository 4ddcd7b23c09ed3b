#include "acx/acculynx/budget.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <sys/file.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"

namespace acx::acculynx {

namespace {

constexpr const char* k_every_key = "*";
constexpr std::int64_t k_window_ms = 1000;
// A request still in flight this long after it was taken belongs to a process that died: forgotten.
constexpr std::int64_t k_abandoned_ms = 120'000;
// No pause is longer (the backoff's ceiling; a Retry-After beyond it is taken as this).
constexpr std::int64_t k_longest_pause_ms = 600'000;

std::int64_t now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The file's content. Lines: "req LABEL PID N START END" (END 0: in flight), "pause LABEL UNTIL STRIKES",
// "spent LABEL SECOND COUNT" (for the usage). A line that does not read so is dropped: a damaged file only forgets.
struct State {
  struct Request {
    std::string label;
    long pid = 0;
    std::uint64_t n = 0;
    std::int64_t start = 0;
    std::int64_t end = 0;
  };
  struct Paused {
    std::int64_t until = 0;
    int strikes = 0;
  };
  std::vector<Request> requests;
  std::map<std::string, Paused> pauses;
  std::map<std::pair<std::string, std::int64_t>, int> spent; // (label, second) -> requests

  // Whether the request still counts at `now`: in flight, or answered less than a window ago.
  static bool counts(const Request& r, std::int64_t now) { return r.end == 0 || r.end > now - k_window_ms; }

  // Drops what no longer counts, and what a clock set back left in the future (it would hold every request back).
  void forget_old(std::int64_t now)
  {
    const std::int64_t future = now + k_abandoned_ms;
    std::erase_if(requests, [&](const Request& r) {
      return (r.end != 0 && r.end <= now - k_window_ms) || (r.end == 0 && r.start < now - k_abandoned_ms) ||
             r.start > future || r.end > future;
    });
    std::erase_if(pauses, [&](const auto& p) { return p.second.until > now + k_longest_pause_ms; });
    std::erase_if(spent,
                  [&](const auto& s) { return s.first.second <= now / 1000 - 60 || s.first.second > future / 1000; });
  }
};

State parse(const std::string& text)
{
  State s;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind;
    std::string label;
    words >> kind >> label;
    if (kind == "req") {
      State::Request r{label};
      if (words >> r.pid >> r.n >> r.start >> r.end) {
        s.requests.push_back(r);
      }
    } else if (kind == "pause") {
      State::Paused p;
      if (words >> p.until >> p.strikes) {
        s.pauses[label] = p;
      }
    } else if (kind == "spent") {
      std::int64_t second = 0;
      int count = 0;
      if (words >> second >> count) {
        s.spent[{label, second}] = count;
      }
    }
  }
  return s;
}

std::string format(const State& s)
{
  std::string out = "# acx's API budget: requests to AccuLynx by every acx process of this user (keys as digests)\n";
  for (const auto& r : s.requests) {
    out += fmt::format("req {} {} {} {} {}\n", r.label, r.pid, r.n, r.start, r.end);
  }
  for (const auto& [label, p] : s.pauses) {
    out += fmt::format("pause {} {} {}\n", label, p.until, p.strikes);
  }
  for (const auto& [at, count] : s.spent) {
    out += fmt::format("spent {} {} {}\n", at.first, at.second, count);
  }
  return out;
}

// The file, locked (flock) for as long as this lives; the mutex keeps out the process's other threads, which share
// the descriptor (and so its flock).
class Locked {
public:
  Locked(int fd, std::mutex& mutex, const std::string& path) : m_lock(mutex), m_fd(fd), m_path(path)
  {
    while (::flock(m_fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        throw Error(ExitCode::io,
                    fmt::format("cannot lock the API budget {}: {}", util::printable(path), std::strerror(errno)));
      }
    }
  }
  ~Locked() { ::flock(m_fd, LOCK_UN); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

  State read() const
  {
    std::string text;
    char buffer[8192];
    ssize_t n = 0;
    off_t at = 0;
    while ((n = ::pread(m_fd, buffer, sizeof buffer, at)) > 0 && text.size() < (1u << 20)) {
      text.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
    return parse(text);
  }

  void write(const State& s) const
  {
    const std::string text = format(s);
    if (::pwrite(m_fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
        ::ftruncate(m_fd, static_cast<off_t>(text.size())) != 0) {
      throw Error(ExitCode::io,
                  fmt::format("cannot write the API budget {}: {}", util::printable(m_path), std::strerror(errno)));
    }
  }

private:
  std::lock_guard<std::mutex> m_lock;
  int m_fd;
  const std::string& m_path;
};

} // namespace

std::string budget_label(const std::string& key)
{
  return "key-" + util::hex_encode(util::sha256(key)).substr(0, 8);
}

Budget::Budget(std::string path, BudgetRules rules) : m_path(std::move(path)), m_rules(rules)
{
  if (m_path.empty()) {
    m_fd = ::memfd_create("acx-api-budget", MFD_CLOEXEC);
  } else {
    util::create_private_directories(std::filesystem::path(m_path).parent_path().string(), "the state directory");
    m_fd = util::open_private(m_path);
  }
  if (m_fd < 0) {
    throw Error(ExitCode::io, fmt::format("cannot open the API budget {}: {}", util::printable(m_path),
                                          errno == ELOOP ? "it is a symbolic link" : std::strerror(errno)));
  }
}

Budget::~Budget()
{
  ::close(m_fd);
}

Budget::Slot Budget::take(const std::string& key)
{
  const std::string label = budget_label(key);
  thread_local std::mt19937 jitter{std::random_device{}()};
  for (;;) {
    std::int64_t wake = 0;
    {
      Locked file(m_fd, m_mutex, m_path);
      State s = file.read();
      const std::int64_t now = now_ms();
      s.forget_old(now);
      int mine = 0;
      int all = 0;
      std::int64_t freed = 0; // the soonest a counted request stops counting
      for (const auto& r : s.requests) {
        if (State::counts(r, now)) {
          mine += r.label == label;
          ++all;
          if (r.end != 0 && (freed == 0 || r.end + k_window_ms < freed)) {
            freed = r.end + k_window_ms;
          }
        }
      }
      const auto until = [&](const std::string& l) {
        const auto p = s.pauses.find(l);
        return p == s.pauses.end() ? std::int64_t{0} : p->second.until;
      };
      const std::int64_t paused = std::max(until(label), until(k_every_key));
      if (now >= paused && mine < m_rules.per_key && all < m_rules.per_machine) {
        const Slot slot{label, static_cast<long>(::getpid()), ++m_next};
        s.requests.push_back({label, slot.pid, slot.n, now, 0});
        ++s.spent[{label, now / 1000}];
        file.write(s);
        return slot;
      }
      // Paused: until the pause ends. Full: until a request stops counting; one in flight is polled for.
      wake = now < paused ? paused : freed != 0 ? freed : now + 20;
      wake = std::max(wake, now + 1);
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(wake - now_ms() + std::uniform_int_distribution(0, 5)(jitter)));
  }
}

std::optional<Budget::Pause> Budget::done(const Slot& slot, int status, bool address_wide,
                                          std::optional<std::chrono::seconds> retry_after)
{
  thread_local std::mt19937 jitter{std::random_device{}()};
  Locked file(m_fd, m_mutex, m_path);
  State s = file.read();
  const std::int64_t now = now_ms();
  for (auto& r : s.requests) {
    if (r.label == slot.label && r.pid == slot.pid && r.n == slot.n) {
      r.end = now;
    }
  }
  s.forget_old(now);
  std::optional<Pause> pause;
  if (status == 429) {
    auto& p = s.pauses[address_wide ? k_every_key : slot.label];
    p.strikes = std::min(p.strikes + 1, 20);
    // 1 s, 2 s, 4 s ... up to a minute, each scaled by 0.75 to 1.25 so that processes do not come back together.
    const double backoff = std::min(1000.0 * static_cast<double>(1 << std::min(p.strikes - 1, 6)), 60'000.0) *
                           std::uniform_real_distribution(0.75, 1.25)(jitter);
    const std::int64_t wait = retry_after ? std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after).count()
                                          : static_cast<std::int64_t>(backoff);
    p.until = std::max(p.until, now + wait);
    pause = Pause{std::chrono::milliseconds(p.until - now), address_wide};
  } else if (status != 0) {
    s.pauses.erase(slot.label);
    if (const auto all = s.pauses.find(k_every_key); all != s.pauses.end() && all->second.until <= now) {
      s.pauses.erase(all);
    }
  }
  file.write(s);
  return pause;
}

Budget::Usage Budget::usage() const
{
  Locked file(m_fd, m_mutex, m_path);
  State s = file.read();
  const std::int64_t now = now_ms();
  s.forget_old(now);
  Usage u;
  std::map<std::string, Usage::Key> keys;
  for (const auto& [at, count] : s.spent) {
    auto& k = keys[at.first];
    k.label = at.first;
    k.last_minute += count;
    u.last_minute += count;
  }
  for (const auto& r : s.requests) {
    if (State::counts(r, now)) {
      auto& k = keys[r.label];
      k.label = r.label;
      ++k.last_second;
      ++u.last_second;
    }
  }
  for (const auto& [label, p] : s.pauses) {
    if (p.until > now) {
      if (label == k_every_key) {
        u.all_paused_until_ms = p.until;
      } else {
        keys[label].label = label;
        keys[label].paused_until_ms = p.until;
      }
    }
  }
  for (auto& [label, k] : keys) {
    u.keys.push_back(k);
  }
  return u;
}

} // namespace acx::acculynx
