#include "core/streams/streamsservice.h"

#include "core/store/appstate.h"
#include "core/store/store.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/profilestore.h"
#include "core/streams/streamslog.h"

#include <QDateTime>

namespace millrace::streams {

namespace {

// Refreshes ask for less than the default wait: a cluster that does not answer in this time is
// shown as down rather than freezing the panel's view for ten seconds.
constexpr std::chrono::milliseconds kRefreshTimeout{3000};

} // namespace

StreamsService::StreamsService(Store &store, ProfileStore &profiles, SecretReader secrets,
                               Options options)
    : m_store(store), m_profiles(profiles), m_secrets(std::move(secrets)),
      m_options(std::move(options)), m_watchedGroups(m_options.watchedGroups)
{
    qRegisterMetaType<StreamsSnapshot>();
    qRegisterMetaType<SimulatorStatus>();
    qRegisterMetaType<SimulatorRequest>();
}

StreamsService::StreamsService(Store &store, ProfileStore &profiles, SecretReader secrets)
    : StreamsService(store, profiles, std::move(secrets), Options())
{
}

StreamsService::~StreamsService()
{
    joinSimulator();
}

void StreamsService::start()
{
    m_timer = new QTimer(this);
    m_timer->setInterval(m_options.refreshInterval);
    connect(m_timer, &QTimer::timeout, this, &StreamsService::refresh);
    Result<QString> active = m_profiles.activeProfileId();
    connectTo(active ? active.value() : QString());
    m_timer->start();
}

void StreamsService::stop()
{
    joinSimulator();
    if (m_timer)
        m_timer->stop();
    m_client.reset();
    if (m_embedded)
        publishEmbeddedAddress(QString());
    {
        const std::lock_guard lock(m_mutex);
        m_endpoint.reset();
    }
    m_embedded.reset();
}

std::optional<ClusterEndpoint> StreamsService::endpoint() const
{
    const std::lock_guard lock(m_mutex);
    return m_endpoint;
}

StreamsSnapshot StreamsService::snapshot() const
{
    const std::lock_guard lock(m_mutex);
    return m_snapshot;
}

bool StreamsService::simulatorRunning() const
{
    const std::lock_guard lock(m_mutex);
    return m_simulatorRunning;
}

Result<ClusterEndpoint> StreamsService::resolveEndpoint(const QString &profileId)
{
    if (profileId.isEmpty()) {
        if (!m_embedded) {
            Result<std::shared_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start();
            if (!broker)
                return broker.error();
            m_embedded = broker.value();
            publishEmbeddedAddress(m_embedded->bootstrapServers());
        }
        return m_embedded->endpoint();
    }
    Result<ConnectionProfile> profile = m_profiles.find(profileId);
    if (!profile)
        return profile.error();
    QString secret;
    if (profile->usesSasl() || !profile->keyLocation.isEmpty()) {
        Result<QString> read = m_secrets ? m_secrets(profile->secretKey())
                                         : Result<QString>(fail(QStringLiteral("no keychain")));
        // A TLS key without a password is normal; a SASL login without one is not.
        if (!read && profile->usesSasl()) {
            return fail(QString::fromLatin1(errorcode::kAuthentication),
                        QStringLiteral("the password of profile '%1' could not be read from the "
                                       "keychain: %2")
                            .arg(profile->name, read.errorMessage()));
        }
        if (read)
            secret = read.value();
    }
    return endpointForProfile(profile.value(), secret);
}

void StreamsService::connectTo(const QString &profileId)
{
    m_client.reset();
    m_history.clear();
    m_lastHighWatermarks.clear();
    m_lastRefreshMs = 0;
    Result<ClusterEndpoint> endpoint = resolveEndpoint(profileId);
    StreamsSnapshot initial;
    initial.takenAtMs = QDateTime::currentMSecsSinceEpoch();
    if (endpoint) {
        Result<std::unique_ptr<ClusterClient>> client = ClusterClient::create(endpoint.value());
        if (client) {
            m_client = std::move(client.value());
        } else {
            endpoint = client.error();
        }
    }
    if (!endpoint) {
        initial.state = StreamsSnapshot::State::Down;
        initial.problem = endpoint.errorMessage();
        qCWarning(lcStreams) << "cannot use the stream cluster:" << initial.problem;
        {
            const std::lock_guard lock(m_mutex);
            m_endpoint.reset();
            m_snapshot = initial;
        }
        Q_EMIT snapshotReady(initial);
        return;
    }
    initial.label = endpoint->label;
    initial.embedded = endpoint->isEmbedded();
    initial.bootstrapServers = endpoint->bootstrapServers();
    initial.capabilities = m_client->capabilities();
    {
        const std::lock_guard lock(m_mutex);
        m_endpoint = endpoint.value();
        m_snapshot = initial;
    }
    Q_EMIT endpointChanged(initial.label, initial.embedded, initial.bootstrapServers);
    refresh();
}

void StreamsService::activateProfile(const QString &id)
{
    if (Result<void> saved = m_profiles.setActiveProfileId(id); !saved)
        qCWarning(lcStreams) << "cannot make the profile active:" << saved.errorMessage();
    connectTo(id);
}

void StreamsService::watchGroups(const QStringList &groups)
{
    for (const QString &group : groups) {
        if (!group.isEmpty() && !m_watchedGroups.contains(group))
            m_watchedGroups.append(group);
    }
}

void StreamsService::refresh()
{
    if (!m_client)
        return;
    StreamsSnapshot next = snapshot();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    next.takenAtMs = now;
    Result<ClusterMetadata> metadata = m_client->metadata(true, kRefreshTimeout);
    if (!metadata) {
        if (next.state != StreamsSnapshot::State::Down)
            qCWarning(lcStreams) << next.label << "is down:" << metadata.errorMessage();
        next.state = StreamsSnapshot::State::Down;
        next.problem = metadata.errorMessage();
        next.topicRates.clear();
    } else {
        if (next.state == StreamsSnapshot::State::Down)
            qCInfo(lcStreams) << next.label << "is reachable again";
        next.state = StreamsSnapshot::State::Connected;
        next.problem.clear();
        next.metadata = std::move(metadata.value());

        // Rates from how far the high watermarks moved since the last refresh.
        next.topicRates.clear();
        double total = 0;
        const double seconds = m_lastRefreshMs > 0 ? (now - m_lastRefreshMs) / 1000.0 : 0;
        for (const TopicInfo &topic : next.metadata.topics) {
            std::int64_t high = 0;
            for (const PartitionInfo &partition : topic.partitions)
                high += std::max<std::int64_t>(0, partition.highWatermark);
            const auto last = m_lastHighWatermarks.find(topic.name);
            double rate = 0;
            if (seconds > 0 && last != m_lastHighWatermarks.end())
                rate = std::max<std::int64_t>(0, high - last->second) / seconds;
            next.topicRates[topic.name] = rate;
            total += rate;
            m_lastHighWatermarks[topic.name] = high;
        }
        m_lastRefreshMs = now;

        std::vector<ConsumerGroupInfo> groups;
        if (m_client->capabilities().listGroups) {
            if (Result<std::vector<ConsumerGroupInfo>> listed =
                    m_client->consumerGroups(kRefreshTimeout)) {
                groups = std::move(listed.value());
            }
        }
        next.lag.clear();
        std::int64_t totalLag = 0;
        for (const QString &group : std::as_const(m_watchedGroups)) {
            Result<std::vector<GroupPartitionLag>> lag =
                m_client->groupLag(group, {}, kRefreshTimeout);
            if (!lag)
                continue;
            if (std::none_of(groups.begin(), groups.end(),
                             [&](const ConsumerGroupInfo &g) { return g.id == group; })
                && !lag->empty()) {
                groups.push_back(ConsumerGroupInfo{group, QString(), false});
            }
            for (GroupPartitionLag &entry : lag.value()) {
                totalLag += entry.lag;
                next.lag.push_back(std::move(entry));
            }
        }
        next.groups = std::move(groups);
        m_history.push_back(ThroughputPoint{now, total, totalLag});
    }
    while (!m_history.empty() && m_history.front().atMs < now - m_options.historyWindow.count())
        m_history.pop_front();
    next.history.assign(m_history.begin(), m_history.end());
    {
        const std::lock_guard lock(m_mutex);
        m_snapshot = next;
    }
    Q_EMIT snapshotReady(next);
}

void StreamsService::startSimulator(const SimulatorRequest &request)
{
    joinSimulator();
    const std::optional<ClusterEndpoint> target = endpoint();
    if (!target) {
        SimulatorStatus status;
        status.error = QStringLiteral("not connected to a cluster");
        Q_EMIT simulatorChanged(status);
        return;
    }
    m_simulatorCancel = CancellationSource();
    {
        const std::lock_guard lock(m_mutex);
        m_simulatorRunning = true;
    }
    // The simulator blocks while it paces its messages: it gets a thread of its own so the
    // service keeps refreshing.
    m_simulator =
        std::thread([this, endpoint = *target, request, token = m_simulatorCancel.token()] {
            Result<SimulatorStatus> result =
                runSimulator(endpoint, request, token, [this](const SimulatorStatus &status) {
                    Q_EMIT simulatorChanged(status);
                });
            {
                const std::lock_guard lock(m_mutex);
                m_simulatorRunning = false;
            }
            if (!result) {
                SimulatorStatus failed;
                failed.error = result.errorMessage();
                Q_EMIT simulatorChanged(failed);
            }
        });
}

void StreamsService::stopSimulator()
{
    m_simulatorCancel.cancel();
}

void StreamsService::joinSimulator()
{
    m_simulatorCancel.cancel();
    if (m_simulator.joinable())
        m_simulator.join();
}

void StreamsService::publishEmbeddedAddress(const QString &bootstrap)
{
    const QString key = QString::fromLatin1(kEmbeddedBootstrapSetting);
    Result<void> written =
        m_store.write([key, bootstrap](SQLite::Database &db) { appstate::set(db, key, bootstrap); })
            .result();
    if (!written)
        qCWarning(lcStreams) << "cannot publish the embedded broker's address:"
                             << written.errorMessage();
}

} // namespace millrace::streams
