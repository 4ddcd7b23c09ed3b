#include "acx/util/coprocess.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acx/util/text.hpp"

namespace acx::util {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds k_start_timeout{60'000};

std::string frame(std::string_view message)
{
  const auto n = static_cast<std::uint32_t>(message.size());
  std::string out(sizeof n, '\0');
  std::memcpy(out.data(), &n, sizeof n);
  out.append(message);
  return out;
}

std::string status_text(int status)
{
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  return fmt::format("exited with {}", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

} // namespace

Coprocess::Coprocess(Launch launch, std::string greeting, std::size_t max_answer)
    : m_launch(std::move(launch)), m_greeting(std::move(greeting)), m_max(max_answer)
{
}

Coprocess::~Coprocess()
{
  end();
}

// Kills the program's group and reaps it; returns nothing: whoever asked says why.
void Coprocess::end()
{
  if (m_child.pid <= 0) {
    return;
  }
  m_child.input.reset();
  m_child.output.reset();
  ::kill(-m_child.pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_child = Child{};
}

Coprocess::Answer Coprocess::ask(std::string_view message, std::chrono::milliseconds timeout, std::stop_token stop)
{
  if (m_child.pid <= 0) {
    // A start is not the question's time: the program answers its greeting once it is ready (a sanitizer build of a
    // large binary takes a while to start), and the question's deadline runs from then.
    m_child = spawn(m_launch);
    Answer ready = exchange(frame(m_greeting), k_start_timeout, stop);
    if (ready.ended != Answer::Ended::answered) {
      ready.why = "did not start: " + ready.why;
      return ready;
    }
  }
  return exchange(frame(message), timeout, stop);
}

Coprocess::Answer Coprocess::exchange(const std::string& out, std::chrono::milliseconds timeout, std::stop_token stop)
{
  using Ended = Answer::Ended;
  Fd stop_event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::stop_callback on_stop(stop, [fd = stop_event.fd] {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
  });
  const auto deadline = Clock::now() + timeout;
  std::size_t written = 0;
  std::string in;
  Answer a;
  const auto finish = [&](Ended ended, std::string why) {
    a.ended = ended;
    a.why = std::move(why);
    if (ended == Ended::died && m_child.pid > 0) {
      int status = 0;
      ::kill(-m_child.pid, SIGKILL); // what it started goes with it
      m_child.input.reset();
      m_child.output.reset();
      while (::waitpid(m_child.pid, &status, 0) < 0 && errno == EINTR) {
      }
      m_child = Child{};
      a.why = a.why.empty() ? status_text(status) : a.why;
    } else if (ended != Ended::answered) {
      end();
    }
    return a;
  };
  for (;;) {
    if (stop.stop_requested()) {
      return finish(Ended::abandoned, "stopping");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return finish(Ended::timed_out, fmt::format("no answer within {} ms", timeout.count()));
    }
    pollfd p[3] = {{stop_event.fd, POLLIN, 0},
                   {m_child.output.fd, POLLIN, 0},
                   {written < out.size() ? m_child.input.fd : -1, POLLOUT, 0}};
    if (::poll(p, 3, static_cast<int>(std::min<std::int64_t>(left.count(), 1000))) < 0 && errno != EINTR) {
      return finish(Ended::died, fmt::format("cannot wait for it: {}", std::strerror(errno)));
    }
    if (p[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n = ::write(m_child.input.fd, out.data() + written, out.size() - written);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return finish(Ended::died, "");
      }
      written += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      const ssize_t n = ::read(m_child.output.fd, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        return finish(Ended::died, "");
      }
      in.append(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    if (in.size() >= sizeof(std::uint32_t)) {
      std::uint32_t n = 0;
      std::memcpy(&n, in.data(), sizeof n);
      if (n > m_max) {
        end();
        return finish(Ended::died, fmt::format("answered {}, over {}", format_size(n), format_size(m_max)));
      }
      if (in.size() >= sizeof n + n) {
        a.message = in.substr(sizeof n, n);
        return finish(Ended::answered, "");
      }
    }
  }
}

std::optional<std::string> read_frame(int fd, std::size_t max)
{
  const auto read_all = [fd](char* to, std::size_t size) {
    while (size > 0) {
      const ssize_t n = ::read(fd, to, size);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      to += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  };
  std::uint32_t n = 0;
  if (!read_all(reinterpret_cast<char*>(&n), sizeof n) || n > max) {
    return std::nullopt;
  }
  std::string out(n, '\0');
  if (!read_all(out.data(), n)) {
    return std::nullopt;
  }
  return out;
}

bool write_frame(int fd, std::string_view message)
{
  const std::string out = frame(message);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace acx::util
