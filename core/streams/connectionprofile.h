#pragma once

#include "core/base/result.h"
#include "core/streams/kafkahandles.h"

#include <QJsonObject>
#include <QMap>
#include <QString>

namespace millrace::streams {

/// How a client talks to the brokers (librdkafka's security.protocol).
enum class SecurityProtocol { Plaintext, SaslPlaintext, Ssl, SaslSsl };

/// The SASL mechanism for SaslPlaintext and SaslSsl.
enum class SaslMechanism { Plain, ScramSha256, ScramSha512 };

/// A saved way to reach a Kafka cluster, as users set it up in the Streams panel. It holds no
/// secret: the SASL password (or the TLS key's password) lives in the system keychain under
/// secretKey(), and is handed to clientProperties() when a client is made.
struct ConnectionProfile
{
    /// Stable identifier (a UUID without braces); also names the keychain entry.
    QString id;
    /// Name shown to users; unique among profiles.
    QString name;
    /// "host:port[,host:port...]".
    QString bootstrapServers;
    SecurityProtocol securityProtocol = SecurityProtocol::Plaintext;
    SaslMechanism saslMechanism = SaslMechanism::Plain;
    /// SASL user name.
    QString username;
    /// PEM file with the CA certificates that sign the brokers' certificates; empty uses the
    /// system's.
    QString caLocation;
    /// Client certificate and key for mutual TLS (PEM files); both or neither.
    QString certificateLocation;
    QString keyLocation;
    /// librdkafka's client.id, which brokers log and quota by.
    QString clientId = QStringLiteral("millrace");
    /// Further librdkafka properties, applied last. Secrets are refused here.
    QMap<QString, QString> extraProperties;

    /// Whether the profile authenticates with a password kept in the keychain.
    bool usesSasl() const;
    /// Whether the connection is encrypted.
    bool usesTls() const;
    /// The keychain entry that holds this profile's secret.
    QString secretKey() const;

    bool operator==(const ConnectionProfile &) const = default;
};

/// Names of the enum values as librdkafka spells them ("SASL_SSL", "SCRAM-SHA-256").
QString securityProtocolName(SecurityProtocol protocol);
QString saslMechanismName(SaslMechanism mechanism);
/// Parses the names above (case-insensitive); nothing for anything else.
std::optional<SecurityProtocol> securityProtocolFromName(const QString &name);
std::optional<SaslMechanism> saslMechanismFromName(const QString &name);

/// Checks a profile before it is saved or used: a name, well-formed bootstrap servers, a user
/// name with SASL, readable certificate files, and no secret among the extra properties. Names
/// the first problem.
Result<void> validateProfile(const ConnectionProfile &profile);

/// The profile as stored in the database (no secret in it), and back.
QJsonObject profileToJson(const ConnectionProfile &profile);
Result<ConnectionProfile> profileFromJson(const QJsonObject &json);

/// librdkafka properties for a client of `profile`; `secret` is the SASL password when the
/// profile uses SASL, else the TLS key's password (may be empty). Validates the profile first.
Result<ClientProperties> clientProperties(const ConnectionProfile &profile, const QString &secret);

/// Whether a librdkafka property carries a secret (sasl.password, ssl.key.password, ...), so it
/// must never be stored or logged.
bool isSecretProperty(const QString &name);

} // namespace millrace::streams
