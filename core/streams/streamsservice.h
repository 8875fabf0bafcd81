#pragma once

#include "core/base/cancellation.h"
#include "core/base/servicethread.h"
#include "core/streams/clusterclient.h"
#include "core/streams/simulator.h"

#include <QMetaType>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace millrace {
class Store;
}

namespace millrace::streams {

class EmbeddedBroker;
class ProfileStore;

/// The workspace setting (app_state key) where a running app publishes its embedded broker's
/// address, so `millrace topics` and friends can reach it; cleared when the app stops.
inline constexpr char kEmbeddedBootstrapSetting[] = "streams.embedded_bootstrap";

/// One point of the Streams panel's charts.
struct ThroughputPoint
{
    qint64 atMs = 0;
    /// Messages per second arriving on all topics (from the high watermarks).
    double messagesPerSecond = 0;
    /// Messages the watched consumer groups have not consumed yet.
    std::int64_t lag = 0;
};

/// The cluster as the streams service last saw it.
struct StreamsSnapshot
{
    enum class State { Connecting, Connected, Down };
    State state = State::Connecting;
    /// What is wrong while Down (or was, when it failed to connect at all).
    QString problem;
    /// The endpoint's label, and whether it is the embedded broker.
    QString label;
    bool embedded = false;
    QString bootstrapServers;
    ClusterCapabilities capabilities;
    qint64 takenAtMs = 0;
    /// The last metadata read; kept while Down, so the panel can show what it knew.
    ClusterMetadata metadata;
    /// Messages per second per topic since the previous refresh.
    std::map<QString, double> topicRates;
    /// Consumer groups: those the cluster lists, and the watched ones.
    std::vector<ConsumerGroupInfo> groups;
    /// Lag of the watched groups per partition.
    std::vector<GroupPartitionLag> lag;
    /// The last ten minutes.
    std::vector<ThroughputPoint> history;
};

/// How the streams service resolves a profile's secret (from the keychain); blocking, called on
/// the service's thread.
using SecretReader = std::function<Result<QString>(const QString &key)>;

/// Keeps one cluster in view for the app: connects to the active profile's cluster (or starts the
/// embedded broker), refreshes topics, watermarks, groups and lag every few seconds and keeps ten
/// minutes of throughput and lag history; runs the stream simulator. Lives on its own thread;
/// the GUI listens to snapshotReady and calls the Q_INVOKABLE slots through queued invocations.
class StreamsService : public Service
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::milliseconds refreshInterval{2000};
        std::chrono::milliseconds historyWindow{std::chrono::minutes(10)};
        /// Consumer groups whose lag is charted from the start.
        QStringList watchedGroups{QStringLiteral("millrace-drain")};
    };

    /// `store` and `profiles` must outlive the service.
    StreamsService(Store &store, ProfileStore &profiles, SecretReader secrets, Options options);
    StreamsService(Store &store, ProfileStore &profiles, SecretReader secrets);
    ~StreamsService() override;

    void start() override;
    void stop() override;

    /// The endpoint clients should use now (thread-safe); null until connected once.
    std::optional<ClusterEndpoint> endpoint() const;
    /// The last snapshot (thread-safe).
    StreamsSnapshot snapshot() const;
    /// Whether the simulator is running (thread-safe).
    bool simulatorRunning() const;

    /// Switches to profile `id` (empty: the embedded broker) and makes it the workspace's
    /// active profile.
    Q_INVOKABLE void activateProfile(const QString &id);
    /// Refreshes at once instead of waiting for the timer.
    Q_INVOKABLE void refresh();
    /// Adds consumer groups whose lag is charted.
    Q_INVOKABLE void watchGroups(const QStringList &groups);
    /// Starts the simulator (stopping a running one first).
    Q_INVOKABLE void startSimulator(const millrace::streams::SimulatorRequest &request);
    /// Stops the simulator; it reports its last status through simulatorChanged.
    Q_INVOKABLE void stopSimulator();

Q_SIGNALS:
    void snapshotReady(const millrace::streams::StreamsSnapshot &snapshot);
    /// The cluster in use changed (another profile, or the embedded broker started).
    void endpointChanged(const QString &label, bool embedded, const QString &bootstrapServers);
    void simulatorChanged(const millrace::streams::SimulatorStatus &status);

private:
    Result<ClusterEndpoint> resolveEndpoint(const QString &profileId);
    void connectTo(const QString &profileId);
    void publishEmbeddedAddress(const QString &bootstrap);
    void joinSimulator();

    Store &m_store;
    ProfileStore &m_profiles;
    SecretReader m_secrets;
    Options m_options;
    QTimer *m_timer = nullptr;

    mutable std::mutex m_mutex; // guards m_endpoint, m_snapshot and m_simulatorRunning
    std::optional<ClusterEndpoint> m_endpoint;
    StreamsSnapshot m_snapshot;
    bool m_simulatorRunning = false;

    std::shared_ptr<EmbeddedBroker> m_embedded;
    std::unique_ptr<ClusterClient> m_client;
    std::deque<ThroughputPoint> m_history;
    std::map<QString, std::int64_t> m_lastHighWatermarks;
    qint64 m_lastRefreshMs = 0;
    QStringList m_watchedGroups;

    CancellationSource m_simulatorCancel;
    std::thread m_simulator;
};

} // namespace millrace::streams

Q_DECLARE_METATYPE(millrace::streams::StreamsSnapshot)
Q_DECLARE_METATYPE(millrace::streams::SimulatorRequest)
