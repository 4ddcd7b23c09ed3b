#pragma once

#include <string>

namespace acx::config {

// Where acx keeps its files unless a flag says otherwise, per the XDG base directories. Each throws acx::Error
// (usage) naming `flag` when neither the XDG variable nor HOME is set.

// ${XDG_STATE_HOME:-~/.local/state}/acx/<name>: the journal, the sandbox's state, the inspect page's link files.
std::string state_file(const std::string& name, const std::string& flag);
// ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml, or `given` when it is not empty (--config).
std::string config_path(const std::string& given = {});
// ${XDG_STATE_HOME:-~/.local/state}/acx/journal.db, or `given` when it is not empty (--journal).
std::string journal_path(const std::string& given = {});

} // namespace acx::config
