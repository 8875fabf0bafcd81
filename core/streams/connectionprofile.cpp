#include "core/streams/connectionprofile.h"

#include <QFileInfo>
#include <QJsonObject>
#include <QRegularExpression>

namespace millrace::streams {

namespace {

struct ProtocolName
{
    SecurityProtocol protocol;
    const char *name;
};
constexpr ProtocolName kProtocolNames[] = {
    {SecurityProtocol::Plaintext, "PLAINTEXT"},
    {SecurityProtocol::SaslPlaintext, "SASL_PLAINTEXT"},
    {SecurityProtocol::Ssl, "SSL"},
    {SecurityProtocol::SaslSsl, "SASL_SSL"},
};

struct MechanismName
{
    SaslMechanism mechanism;
    const char *name;
};
constexpr MechanismName kMechanismNames[] = {
    {SaslMechanism::Plain, "PLAIN"},
    {SaslMechanism::ScramSha256, "SCRAM-SHA-256"},
    {SaslMechanism::ScramSha512, "SCRAM-SHA-512"},
};

Error invalid(const QString &message)
{
    return fail(QString::fromLatin1(errorcode::kInvalidArgument), message);
}

Result<void> checkReadableFile(const QString &what, const QString &path)
{
    if (path.isEmpty())
        return {};
    const QFileInfo info(path);
    if (!info.isFile() || !info.isReadable())
        return invalid(QStringLiteral("%1 '%2' is not a readable file").arg(what, path));
    return {};
}

} // namespace

bool ConnectionProfile::usesSasl() const
{
    return securityProtocol == SecurityProtocol::SaslPlaintext
           || securityProtocol == SecurityProtocol::SaslSsl;
}

bool ConnectionProfile::usesTls() const
{
    return securityProtocol == SecurityProtocol::Ssl
           || securityProtocol == SecurityProtocol::SaslSsl;
}

QString ConnectionProfile::secretKey() const
{
    return QStringLiteral("streams/%1/password").arg(id);
}

QString securityProtocolName(SecurityProtocol protocol)
{
    for (const ProtocolName &entry : kProtocolNames) {
        if (entry.protocol == protocol)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

QString saslMechanismName(SaslMechanism mechanism)
{
    for (const MechanismName &entry : kMechanismNames) {
        if (entry.mechanism == mechanism)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

std::optional<SecurityProtocol> securityProtocolFromName(const QString &name)
{
    for (const ProtocolName &entry : kProtocolNames) {
        if (name.compare(QLatin1String(entry.name), Qt::CaseInsensitive) == 0)
            return entry.protocol;
    }
    return std::nullopt;
}

std::optional<SaslMechanism> saslMechanismFromName(const QString &name)
{
    for (const MechanismName &entry : kMechanismNames) {
        if (name.compare(QLatin1String(entry.name), Qt::CaseInsensitive) == 0)
            return entry.mechanism;
    }
    return std::nullopt;
}

bool isSecretProperty(const QString &name)
{
    // librdkafka's secret-bearing properties all end in one of these (sasl.password,
    // ssl.key.password, ssl.keystore.password, sasl.oauthbearer.client.secret, ssl.key.pem).
    const QString lower = name.trimmed().toLower();
    return lower.endsWith(QLatin1String("password")) || lower.endsWith(QLatin1String("secret"))
           || lower == QLatin1String("ssl.key.pem")
           || lower == QLatin1String("sasl.oauthbearer.config");
}

Result<void> validateProfile(const ConnectionProfile &profile)
{
    if (profile.name.trimmed().isEmpty())
        return invalid(QStringLiteral("a connection profile needs a name"));
    // host:port, comma separated; hosts may be names, IPv4 or bracketed IPv6 addresses.
    static const QRegularExpression server(
        QStringLiteral(R"(^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})\s*$)"));
    const QStringList servers = profile.bootstrapServers.split(QLatin1Char(','));
    if (profile.bootstrapServers.trimmed().isEmpty())
        return invalid(QStringLiteral("profile '%1' has no bootstrap servers").arg(profile.name));
    for (const QString &entry : servers) {
        const QRegularExpressionMatch match = server.match(entry);
        if (!match.hasMatch() || match.captured(2).toInt() == 0
            || match.captured(2).toInt() > 65535) {
            return invalid(
                QStringLiteral("'%1' is not a bootstrap server (host:port)").arg(entry.trimmed()));
        }
    }
    if (profile.usesSasl() && profile.username.trimmed().isEmpty())
        return invalid(
            QStringLiteral("profile '%1' uses SASL but has no user name").arg(profile.name));
    if (profile.certificateLocation.isEmpty() != profile.keyLocation.isEmpty())
        return invalid(QStringLiteral("a client certificate needs its key, and a key its "
                                      "certificate"));
    for (const auto &[what, path] :
         {std::pair{QStringLiteral("CA file"), profile.caLocation},
          std::pair{QStringLiteral("certificate file"), profile.certificateLocation},
          std::pair{QStringLiteral("key file"), profile.keyLocation}}) {
        if (Result<void> readable = checkReadableFile(what, path); !readable)
            return readable;
    }
    for (auto it = profile.extraProperties.cbegin(); it != profile.extraProperties.cend(); ++it) {
        if (isSecretProperty(it.key())) {
            return invalid(QStringLiteral("'%1' is a secret: set the password in the profile, "
                                          "which keeps it in the system keychain")
                               .arg(it.key()));
        }
    }
    return {};
}

QJsonObject profileToJson(const ConnectionProfile &profile)
{
    QJsonObject extra;
    for (auto it = profile.extraProperties.cbegin(); it != profile.extraProperties.cend(); ++it)
        extra.insert(it.key(), it.value());
    return QJsonObject{
        {QStringLiteral("id"), profile.id},
        {QStringLiteral("name"), profile.name},
        {QStringLiteral("bootstrap_servers"), profile.bootstrapServers},
        {QStringLiteral("security_protocol"), securityProtocolName(profile.securityProtocol)},
        {QStringLiteral("sasl_mechanism"), saslMechanismName(profile.saslMechanism)},
        {QStringLiteral("username"), profile.username},
        {QStringLiteral("ca_location"), profile.caLocation},
        {QStringLiteral("certificate_location"), profile.certificateLocation},
        {QStringLiteral("key_location"), profile.keyLocation},
        {QStringLiteral("client_id"), profile.clientId},
        {QStringLiteral("extra_properties"), extra},
    };
}

Result<ConnectionProfile> profileFromJson(const QJsonObject &json)
{
    ConnectionProfile profile;
    profile.id = json.value(QStringLiteral("id")).toString();
    profile.name = json.value(QStringLiteral("name")).toString();
    profile.bootstrapServers = json.value(QStringLiteral("bootstrap_servers")).toString();
    const QString protocol = json.value(QStringLiteral("security_protocol")).toString();
    const std::optional<SecurityProtocol> parsedProtocol =
        securityProtocolFromName(protocol.isEmpty() ? QStringLiteral("PLAINTEXT") : protocol);
    if (!parsedProtocol)
        return invalid(QStringLiteral("unknown security protocol '%1'").arg(protocol));
    profile.securityProtocol = *parsedProtocol;
    const QString mechanism = json.value(QStringLiteral("sasl_mechanism")).toString();
    const std::optional<SaslMechanism> parsedMechanism =
        saslMechanismFromName(mechanism.isEmpty() ? QStringLiteral("PLAIN") : mechanism);
    if (!parsedMechanism)
        return invalid(QStringLiteral("unknown SASL mechanism '%1'").arg(mechanism));
    profile.saslMechanism = *parsedMechanism;
    profile.username = json.value(QStringLiteral("username")).toString();
    profile.caLocation = json.value(QStringLiteral("ca_location")).toString();
    profile.certificateLocation = json.value(QStringLiteral("certificate_location")).toString();
    profile.keyLocation = json.value(QStringLiteral("key_location")).toString();
    profile.clientId = json.value(QStringLiteral("client_id")).toString(QStringLiteral("millrace"));
    const QJsonObject extra = json.value(QStringLiteral("extra_properties")).toObject();
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        profile.extraProperties.insert(it.key(), it.value().toString());
    return profile;
}

Result<ClientProperties> clientProperties(const ConnectionProfile &profile, const QString &secret)
{
    if (Result<void> valid = validateProfile(profile); !valid)
        return valid.error();
    ClientProperties properties{
        {"bootstrap.servers", profile.bootstrapServers.toStdString()},
        {"security.protocol", securityProtocolName(profile.securityProtocol).toStdString()},
    };
    if (!profile.clientId.isEmpty())
        properties.emplace_back("client.id", profile.clientId.toStdString());
    if (profile.usesSasl()) {
        properties.emplace_back("sasl.mechanisms",
                                saslMechanismName(profile.saslMechanism).toStdString());
        properties.emplace_back("sasl.username", profile.username.toStdString());
        properties.emplace_back("sasl.password", secret.toStdString());
    }
    if (profile.usesTls()) {
        if (!profile.caLocation.isEmpty())
            properties.emplace_back("ssl.ca.location", profile.caLocation.toStdString());
        if (!profile.certificateLocation.isEmpty()) {
            properties.emplace_back("ssl.certificate.location",
                                    profile.certificateLocation.toStdString());
            properties.emplace_back("ssl.key.location", profile.keyLocation.toStdString());
            if (!profile.usesSasl() && !secret.isEmpty())
                properties.emplace_back("ssl.key.password", secret.toStdString());
        }
    }
    for (auto it = profile.extraProperties.cbegin(); it != profile.extraProperties.cend(); ++it)
        properties.emplace_back(it.key().toStdString(), it.value().toStdString());
    return properties;
}

} // namespace millrace::streams
