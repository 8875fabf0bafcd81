#pragma once

#include "core/base/result.h"
#include "core/streams/kafkahandles.h"

#include <QString>

#include <memory>

namespace millrace::streams {

class EmbeddedBroker;
struct ConnectionProfile;

/// Where Kafka clients connect: the properties every client of one cluster shares, and for the
/// embedded broker the broker itself, for the things its protocol lacks (creating topics). Cheap
/// to copy; copies keep the embedded broker alive.
struct ClusterEndpoint
{
    /// Shown to users: a profile's name, or "embedded broker — not durable".
    QString label;
    ClientProperties properties;
    /// The embedded broker when it runs in this process.
    std::shared_ptr<EmbeddedBroker> embedded;
    /// The embedded broker of another process (the app, reached by a command): its protocol
    /// lacks the same things, and its own API is out of reach.
    bool remoteEmbedded = false;

    /// Whether the cluster is an embedded broker, here or in the app.
    bool isEmbedded() const { return embedded != nullptr || remoteEmbedded; }
    /// The bootstrap.servers property.
    QString bootstrapServers() const;
    /// `properties` with `extra` appended (later ones win).
    ClientProperties with(const ClientProperties &extra) const;
};

/// The endpoint of a saved profile; `secret` comes from the keychain (see ConnectionProfile).
Result<ClusterEndpoint> endpointForProfile(const ConnectionProfile &profile, const QString &secret);

} // namespace millrace::streams
