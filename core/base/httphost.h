#pragma once

#include <QByteArray>

namespace millrace {

/// Whether an HTTP Host header names this machine: localhost, 127.x.x.x or ::1, with any port.
/// An absent header (HTTP/1.0 clients) is allowed. Servers bound to loopback refuse other
/// names, so a web page that rebinds its own domain to 127.0.0.1 cannot reach them through the
/// user's browser (as MLflow does against DNS rebinding).
bool isLoopbackHost(const QByteArray &header);

} // namespace millrace
