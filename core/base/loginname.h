#pragma once

#include <QString>

namespace millrace {

/// The name of the user running Millrace, for run owners and the registry's history: $USER,
/// else the account's name in the password database, else the home folder's name.
QString loginName();

} // namespace millrace
