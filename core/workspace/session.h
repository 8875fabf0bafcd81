#pragma once

#include "core/base/result.h"

#include <QHostAddress>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace millrace {

class PluginManager;
class ServiceThread;
class Workspace;

namespace registry {
class RegistryStore;
}
namespace streams {
class ProfileStore;
class StreamsService;
} // namespace streams
namespace training {
class TrainingService;
}
namespace scheduler {
class NoopOperator;
class OperatorCatalog;
class SchedulerService;
} // namespace scheduler
namespace tracking {
class TrackingServer;
class TrackingStore;
} // namespace tracking

/// How the services of a session are set up.
struct SessionOptions
{
    QStringList pluginDirs;
    /// The MLflow-compatible tracking API. Without a port, the workspace's `tracking.port`
    /// setting applies, else 5000; port 0 picks a free port.
    QHostAddress trackingAddress = QHostAddress::LocalHost;
    std::optional<quint16> trackingPort;
    bool trackingServer = true;
    /// The streams service (Kafka cluster in view, embedded broker, simulator).
    bool streams = true;
    /// The DAG scheduler (scheduled jobs, event triggers, the shipped pipeline).
    bool scheduler = true;
    /// Puts seed 000's pipeline (initial_model, stream, update_model) into dags/ with demo speed
    /// on, once per workspace: the app's first launch shows a whole cycle within minutes. A user
    /// who deletes the files does not get them back.
    bool installExampleDags = false;
};

/// The app_state key that records that the example DAGs were installed.
inline constexpr char kExampleDagsInstalledSetting[] = "scheduler.examples_installed";

/// The workspace setting (app_state key) that holds the tracking API's port.
inline constexpr char kTrackingPortSetting[] = "tracking.port";
/// The tracking API's port when neither the command line nor the workspace sets one (MLflow's).
inline constexpr quint16 kDefaultTrackingPort = 5000;

/// Everything one open workspace runs with: the workspace (database, folders, lock), the plugins,
/// experiment tracking and the services on their threads. The GUI and --headless both start from a
/// Session. open() does file and database work, so run it off the GUI thread; startServices() and
/// the destructor belong to the thread that owns the session (the main thread).
class Session
{
public:
    /// Opens the workspace at `root`, loads plugins, marks runs left RUNNING by a crash FAILED and
    /// repairs registrations a crash interrupted.
    static Result<std::unique_ptr<Session>> open(const QString &root,
                                                 const SessionOptions &options);
    /// Stops the services, then closes the workspace.
    ~Session();

    /// Starts the services on their threads (the tracking server, the trainer, ...).
    void startServices();

    Workspace &workspace() const { return *m_workspace; }
    PluginManager &plugins() const { return *m_plugins; }
    tracking::TrackingStore &tracking() const { return *m_tracking; }
    /// The model registry: registered models, versions, stages, aliases and their history.
    registry::RegistryStore &registry() const { return *m_registry; }
    /// The tracking server, once startServices() ran and if it is enabled; else null.
    tracking::TrackingServer *trackingServer() const;
    /// Runs training jobs on its own thread, once startServices() ran; else null.
    training::TrainingService *training() const;
    /// Saved Kafka connection profiles (blocking; not on the GUI thread).
    streams::ProfileStore &streamProfiles() const { return *m_streamProfiles; }
    /// Keeps the active Kafka cluster in view on its own thread, once startServices() ran and
    /// if it is enabled; else null.
    streams::StreamsService *streams() const;
    /// The operators DAG files can use: the built-in ones and those of task-operator plugins.
    scheduler::OperatorCatalog &operators() const { return *m_operators; }
    /// Runs the DAGs of the workspace's dags/ folder on its own thread, once startServices() ran
    /// and if it is enabled; else null.
    scheduler::SchedulerService *scheduler() const;
    /// Keeps `owner` (say, operators added to operators() by a library the workspace does not
    /// link) alive until the services have stopped. Call before startServices().
    void keepUntilServicesStop(std::shared_ptr<void> owner) { m_kept.push_back(std::move(owner)); }

private:
    Session(std::unique_ptr<Workspace> workspace, std::unique_ptr<PluginManager> plugins,
            SessionOptions options);

    SessionOptions m_options;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<PluginManager> m_plugins;
    std::unique_ptr<tracking::TrackingStore> m_tracking;
    std::unique_ptr<registry::RegistryStore> m_registry;
    std::unique_ptr<streams::ProfileStore> m_streamProfiles;
    std::unique_ptr<scheduler::NoopOperator> m_noopOperator;
    std::unique_ptr<scheduler::OperatorCatalog> m_operators;
    std::unique_ptr<ServiceThread> m_trackingThread;
    std::unique_ptr<ServiceThread> m_trainingThread;
    std::unique_ptr<ServiceThread> m_streamsThread;
    std::unique_ptr<ServiceThread> m_schedulerThread;
    std::vector<std::shared_ptr<void>> m_kept;
};

} // namespace millrace
