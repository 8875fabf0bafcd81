#include "core/streams/endpoint.h"

#include "core/streams/connectionprofile.h"

namespace millrace::streams {

QString ClusterEndpoint::bootstrapServers() const
{
    QString servers;
    for (const auto &[name, value] : properties) {
        if (name == "bootstrap.servers")
            servers = QString::fromStdString(value);
    }
    return servers;
}

ClientProperties ClusterEndpoint::with(const ClientProperties &extra) const
{
    ClientProperties combined = properties;
    combined.insert(combined.end(), extra.begin(), extra.end());
    return combined;
}

Result<ClusterEndpoint> endpointForProfile(const ConnectionProfile &profile, const QString &secret)
{
    Result<ClientProperties> properties = clientProperties(profile, secret);
    if (!properties)
        return properties.error();
    return ClusterEndpoint{profile.name, std::move(properties.value()), nullptr};
}

} // namespace millrace::streams
