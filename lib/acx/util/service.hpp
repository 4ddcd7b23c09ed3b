#pragma once

#include <csignal>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace acx::util {

// SIGINT and SIGTERM, blocked in the calling thread (and so in every thread it starts afterwards) to be taken with
// sigwait; SIGPIPE ignored, so a closed socket or pipe is an error code, not a death. Call before starting threads.
sigset_t block_stop_signals();

// Writes "address\n" to `path` atomically (a temporary file, then rename), for scripts that wait for a server.
// Throws acx::Error (io).
void write_ready_file(const std::string& path, const std::string& address);

// Runs `work` on `threads` threads (the calling one among them) and waits for all. The first exception any of them
// threw is rethrown here, on the caller's error path, instead of ending the process (std::terminate).
void run_on_threads(std::size_t threads, const std::function<void()>& work);

} // namespace acx::util
