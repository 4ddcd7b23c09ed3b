#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace acx::util {

// Reads a whole file, or standard input for "-", as bytes. Throws acx::Error (bad_input) naming the path.
// Refuses inputs larger than `max_bytes`.
std::string read_input(const std::string& path, std::size_t max_bytes = 256u << 20);

// Creates `dir` and each missing parent with mode 0700, whatever the umask; directories that exist are left as they
// are. Throws acx::Error (io) naming `what` ("the journal's directory").
// An XDG base directory: the environment `variable` (XDG_STATE_HOME, XDG_CONFIG_HOME) if set, else
// $HOME/`fallback` (.local/state, .config); nullopt when neither is set.
std::optional<std::string> xdg_base(const char* variable, const char* fallback);

void create_private_directories(const std::string& dir, const std::string& what);

// Writes `data` to `path` atomically: a new file beside it, created exclusively with mode 0600 (so never through a
// link, nor into a file someone left there), synced, then renamed over `path` (a link at `path` is replaced, not
// followed). Creates missing directories as create_private_directories does. Throws acx::Error (io) naming `what`.
void write_private_file(const std::string& path, std::string_view data, const std::string& what);

// Opens `path` read-write, creating it with mode 0600 if missing; a symbolic link at `path` is refused (ELOOP) rather
// than followed. Returns the descriptor, or -1 with errno set.
int open_private(const std::string& path);

} // namespace acx::util
