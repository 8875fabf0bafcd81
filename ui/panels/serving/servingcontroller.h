#pragma once

#include "core/base/result.h"
#include "core/ml/model.h"
#include "core/serving/servingservice.h"

#include "ui/panels/serving/threadretirer.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <memory>
#include <optional>
#include <vector>

namespace millrace {
class ServiceThread;
namespace registry {
class RegistryStore;
}
namespace serving {
class ModelRouter;
class ServingMetrics;
} // namespace serving
} // namespace millrace

namespace millrace::ui {

/// Runs local serving for the Serving panel: reads the serving token from the keychain, starts
/// a ServingService on a ServiceThread of its own and follows it, and stops it without the GUI
/// thread waiting (the thread is joined on a worker). One service at a time; its signals arrive
/// on the controller's thread, and those of a service already being stopped are dropped.
class ServingController : public QObject
{
    Q_OBJECT
public:
    /// Where serving stands. Waiting: listening, but no version is in service yet (the stage
    /// or alias has none, or it is loading).
    enum class State { Stopped, Starting, Waiting, Serving, Stopping, Failed };
    Q_ENUM(State)

    /// What a served version takes and gives, read once it is in service.
    struct VersionInfo
    {
        QString model;
        QStringList classNames;          ///< empty for regression or unnamed classes
        std::vector<qint64> sampleShape; ///< of a tensor input, e.g. {28, 28}
        bool tensorInput = false;
        qint64 outputWidth = 0;
    };

    explicit ServingController(QObject *parent = nullptr);
    /// Stops serving, waiting for its thread.
    ~ServingController() override;

    /// Serves from `registry` (which must outlive detach()) with the models of `architectures`.
    void attach(const registry::RegistryStore &registry, ml::ArchitectureLookup architectures);
    /// Stops serving and waits for its thread, so the registry can close right after.
    void detach();
    bool isAttached() const { return m_registry != nullptr; }

    /// Starts serving `config`, with the token from the keychain (none when nothing is stored
    /// or there is no keychain). Does nothing unless stopped or failed. Binding an address
    /// other than loopback without a token first asks consentNeeded().
    void start(serving::ServingConfig config);
    /// The answer to consentNeeded(): serve without a token after all, or go back to stopped.
    void giveConsent(bool serveWithoutToken);
    /// Stops serving; stateChanged(Stopped) follows once the service's thread ended.
    void stop();
    /// Starts, changes or ends (nullopt or weight 0) the A/B split while serving.
    void setCandidate(std::optional<serving::ServingTarget> candidate, double weight);

    State state() const { return m_state; }
    /// Why serving failed (State::Failed), one line.
    QString failure() const { return m_failure; }
    /// The configuration serving runs (or last ran) with.
    const serving::ServingConfig &config() const { return m_config; }
    /// The port listened on, 0 when not listening.
    quint16 port() const { return m_port; }
    /// The server's base URL as bound, e.g. http://127.0.0.1:5001; empty when not listening.
    QString boundUrl() const;
    /// Where a client on this machine reaches the server: boundUrl(), with loopback for an
    /// "any" address.
    QUrl localUrl() const;
    /// Whether the server checks a token (requests need the Authorization header).
    bool usesToken() const { return !m_config.server.token.isEmpty(); }
    /// The Authorization header value requests need, empty when no token is used.
    QByteArray authorization() const;
    /// The versions in service: the primary's (0 before one is), the candidate's (0 for none)
    /// and the candidate's share of requests.
    qint64 primaryVersion() const { return m_primary; }
    qint64 candidateVersion() const { return m_candidate; }
    double candidateWeight() const { return m_candidateWeight; }
    /// What the served `version` takes and gives, or nothing when it is not known.
    std::optional<VersionInfo> versionInfo(qint64 version) const;
    /// The router of the service running now (null when none runs): the Kafka predictor
    /// answers through it, so it follows the same swaps and split.
    std::shared_ptr<const serving::ModelRouter> router() const;
    /// The request metrics of the service running or last run (null before the first start).
    std::shared_ptr<serving::ServingMetrics> metrics() const { return m_metrics; }

Q_SIGNALS:
    void stateChanged(millrace::ui::ServingController::State state);
    /// The address is not loopback and no token is stored: serving needs the user's consent.
    void consentNeeded(const QString &address);
    /// Whether a serving token was found in the keychain at the latest start.
    void tokenChecked(bool stored);
    /// A deployment went into service (candidate 0: no split).
    void deployed(qint64 primary, qint64 candidate, double candidateWeight);
    /// A version could not be put in service; the previous deployment stays.
    void deploymentFailed(const QString &message);

private:
    void onTokenRead(quint64 generation, const Result<QString> &token);
    void launch();
    void stopThread(State after);
    void joinAll();
    void setState(State state);

    const registry::RegistryStore *m_registry = nullptr;
    ml::ArchitectureLookup m_architectures;
    serving::ServingConfig m_config;
    ServiceThread *m_thread = nullptr;
    serving::ServingService *m_service = nullptr; ///< owned by m_thread
    ServiceThreadRetirer m_retirer;
    std::shared_ptr<serving::ServingMetrics> m_metrics;
    QHash<qint64, VersionInfo> m_versions;
    quint64 m_generation = 0; ///< bumped per start and stop: older signals are dropped
    State m_state = State::Stopped;
    QString m_failure;
    quint16 m_port = 0;
    qint64 m_primary = 0;
    qint64 m_candidate = 0;
    double m_candidateWeight = 0;
};

} // namespace millrace::ui
