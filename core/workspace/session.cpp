#include "core/workspace/session.h"

#include "core/base/servicethread.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registryrestapi.h"
#include "core/registry/registrystore.h"
#include "core/store/appstate.h"
#include "core/store/store.h"
#include "core/streams/profilestore.h"
#include "core/streams/streamsservice.h"
#include "core/tracking/trackingserver.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/training/trainingservice.h"
#include "core/workspace/secretstore.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspacelog.h"

namespace millrace {

Result<std::unique_ptr<Session>> Session::open(const QString &root, const SessionOptions &options)
{
    Result<std::unique_ptr<Workspace>> workspace = Workspace::open(root);
    if (!workspace)
        return workspace.error();
    auto plugins = std::make_unique<PluginManager>();
    plugins->load(options.pluginDirs);
    SessionOptions resolved = options;
    if (!resolved.trackingPort) {
        Result<std::optional<QString>> setting =
            (*workspace)->store().read([](SQLite::Database &db) {
                return appstate::get(db, QLatin1String(kTrackingPortSetting));
            });
        if (!setting)
            return setting.error();
        bool ok = true;
        const uint port = setting->has_value() ? (*setting)->toUInt(&ok) : kDefaultTrackingPort;
        if (!ok || port > 65535)
            return fail(QStringLiteral("the workspace setting %1 is \"%2\", not a port number")
                            .arg(QLatin1String(kTrackingPortSetting), **setting));
        resolved.trackingPort = quint16(port);
    }
    std::unique_ptr<Session> session(
        new Session(std::move(workspace).value(), std::move(plugins), resolved));
    Result<int> interrupted = session->m_tracking->failInterruptedRuns();
    if (!interrupted)
        return interrupted.error();
    Result<registry::RecoveryReport> recovered = session->m_registry->recover();
    if (!recovered)
        return recovered.error();
    return session;
}

Session::Session(std::unique_ptr<Workspace> workspace, std::unique_ptr<PluginManager> plugins,
                 SessionOptions options)
    : m_options(std::move(options)), m_workspace(std::move(workspace)),
      m_plugins(std::move(plugins)), m_tracking(std::make_unique<tracking::TrackingStore>(
                                         m_workspace->store(), m_workspace->artifactsDir())),
      m_registry(std::make_unique<registry::RegistryStore>(m_workspace->store(), *m_tracking,
                                                           m_workspace->modelsDir())),
      m_streamProfiles(std::make_unique<streams::ProfileStore>(m_workspace->store()))
{
}

Session::~Session()
{
    // Services first: they use the tracking store and the database. A running training job
    // stops at its next batch, ending its run KILLED.
    if (training::TrainingService *trainer = training())
        trainer->cancelAll();
    m_trainingThread.reset();
    m_streamsThread.reset();
    m_trackingThread.reset();
}

void Session::startServices()
{
    if (m_options.trackingServer && !m_trackingThread) {
        m_trackingThread = std::make_unique<ServiceThread>(
            new tracking::TrackingServer(*m_tracking, m_options.trackingAddress,
                                         m_options.trackingPort.value_or(kDefaultTrackingPort),
                                         registry::registryEndpoints(*m_registry, *m_tracking)),
            QStringLiteral("tracking-server"));
        m_trackingThread->start();
    }
    if (!m_trainingThread) {
        m_trainingThread = std::make_unique<ServiceThread>(
            new training::TrainingService(*m_tracking, training::pluginArchitectures(*m_plugins)),
            QStringLiteral("trainer"));
        m_trainingThread->start();
    }
    if (m_options.streams && !m_streamsThread) {
        // Profiles keep their passwords in the system keychain; the service reads one when it
        // connects, on its own thread.
        m_streamsThread = std::make_unique<ServiceThread>(
            new streams::StreamsService(m_workspace->store(), *m_streamProfiles,
                                        [](const QString &key) { return readSecret(key); }),
            QStringLiteral("streams"));
        m_streamsThread->start();
    }
}

streams::StreamsService *Session::streams() const
{
    return m_streamsThread ? static_cast<streams::StreamsService *>(m_streamsThread->service())
                           : nullptr;
}

training::TrainingService *Session::training() const
{
    return m_trainingThread ? static_cast<training::TrainingService *>(m_trainingThread->service())
                            : nullptr;
}

tracking::TrackingServer *Session::trackingServer() const
{
    return m_trackingThread ? static_cast<tracking::TrackingServer *>(m_trackingThread->service())
                            : nullptr;
}

} // namespace millrace
