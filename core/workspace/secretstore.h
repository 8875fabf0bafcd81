#pragma once

#include "core/base/result.h"

#include <QString>

#include <functional>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace millrace {

// Secrets (Kafka SASL passwords, TLS key passwords, tokens) live in the system keychain and
// nowhere else: not in the database, the settings, files or logs. These functions are the one way
// in; nothing else in Millrace talks to QtKeychain. On Linux the keychain is the Secret Service
// (gnome-keyring, KeePassXC, ...) or KWallet, reached over the D-Bus session bus. There is no
// plain-text fallback: without a keychain, storing a secret fails.
//
// Keys name what the secret is for, as a path: "streams/<profile-id>/sasl-password". All entries
// are filed under the service name kSecretService.

/// The keychain service name Millrace's entries are filed under.
inline const QString kSecretService = QStringLiteral("org.millrace.Millrace");

/// Codes in Error::code of secret-store failures; an empty code is any other keychain failure.
namespace secreterror {
/// readSecret(): nothing is stored under the key. (deleteSecret() of a missing key succeeds.)
inline const QString kNotFound = QStringLiteral("SECRET_NOT_FOUND");
/// No system keychain to talk to: no D-Bus session bus, or nothing on it provides the Secret
/// Service or KWallet. The message starts with "no system keychain available: ".
inline const QString kNoKeychain = QStringLiteral("NO_KEYCHAIN");
/// The keychain refused: it stayed locked (the user dismissed the unlock prompt) or denied access.
inline const QString kAccessDenied = QStringLiteral("KEYCHAIN_ACCESS_DENIED");
} // namespace secreterror

// Blocking calls, for worker threads and command-line commands: they wait for the keychain's
// answer (which may include the user unlocking it), so never call them on the GUI thread. Safe to
// call from any number of threads at once; the keychain handles one request at a time.

/// Reads the secret stored under `key`; fails with secreterror::kNotFound when there is none.
Result<QString> readSecret(const QString &key);
/// Stores `value` under `key`, replacing what was there.
Result<void> writeSecret(const QString &key, const QString &value);
/// Removes the secret stored under `key`; succeeds when there is none.
Result<void> deleteSecret(const QString &key);

// Asynchronous calls, for the GUI thread: they return at once, and `done` later runs on
// `context`'s thread with the outcome. If `context` is destroyed first, `done` is dropped.

/// readSecret() without blocking.
void readSecretAsync(const QString &key, QObject *context,
                     std::function<void(Result<QString>)> done);
/// writeSecret() without blocking.
void writeSecretAsync(const QString &key, const QString &value, QObject *context,
                      std::function<void(Result<void>)> done);
/// deleteSecret() without blocking.
void deleteSecretAsync(const QString &key, QObject *context,
                       std::function<void(Result<void>)> done);

} // namespace millrace
