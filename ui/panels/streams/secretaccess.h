#pragma once

#include "core/base/result.h"

#include <QString>

#include <functional>

namespace millrace::ui {

/// How the Streams panel reaches the system keychain for profile passwords. Each call blocks
/// (the keychain may ask the user to unlock it): the panel makes them from worker threads only.
/// An unset function means there is no keychain; the panel then says so instead of saving.
struct SecretAccess
{
    std::function<Result<QString>(const QString &key)> read;
    std::function<Result<void>(const QString &key, const QString &value)> write;
    std::function<Result<void>(const QString &key)> remove;
};

} // namespace millrace::ui
