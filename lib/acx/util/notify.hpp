#pragma once

#include <string_view>

namespace acx::util {

// Tells the service manager how a long-running command is doing, when systemd runs it as a Type=notify service:
// one datagram to the socket $NOTIFY_SOCKET names (sd_notify(3)'s protocol; a name that starts with @ is in the
// abstract namespace). "READY=1" once it serves, "RELOADING=1" while it reloads, "STOPPING=1" when it stops.
// Does nothing without $NOTIFY_SOCKET, and ignores a socket that is gone: the service manager's trouble, not acx's.
void notify_service_manager(std::string_view state);

} // namespace acx::util
