#pragma once

#include "core/base/servicethread.h"
#include "core/ml/model.h"
#include "core/serving/scoringserver.h"

#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <chrono>
#include <memory>
#include <optional>

namespace millrace::registry {
class RegistryStore;
}

namespace millrace::serving {

class ModelRouter;
class ServedModel;
class ServingMetrics;

/// Which version of a registered model to serve: a fixed version, the version an alias names,
/// or the newest version in a stage (Production by default). Aliases and stages are followed:
/// when they move, the served version moves with them.
struct ServingTarget
{
    QString model;
    QString stage = QStringLiteral("Production");
    QString alias;      ///< when set, wins over the stage
    qint64 version = 0; ///< when set, wins over both
    /// "fashion-mnist@champion", "fashion-mnist/Production", "fashion-mnist/3".
    QString describe() const;
};

/// What to serve and how.
struct ServingConfig
{
    ServingTarget primary;
    /// An A/B test: a second target that answers `candidateWeight` (0 to 1) of the requests.
    std::optional<ServingTarget> candidate;
    double candidateWeight = 0;
    ScoringServerOptions server;
    /// How often the registry is checked for a moved stage or alias.
    std::chrono::milliseconds followInterval{500};
};

/// Local serving (seed 003's `mlflow models serve`, seed 002's swap without stopping): the
/// scoring server plus the follower that keeps it on the right versions. Runs on its own thread
/// (a ServiceThread); loads models on a loader thread of its own, so requests are answered
/// throughout, and puts a newly loaded version in service in one atomic swap.
class ServingService : public Service
{
    Q_OBJECT
public:
    /// `registry` must outlive the service.
    ServingService(const registry::RegistryStore &registry, ml::ArchitectureLookup architectures,
                   ServingConfig config);
    ~ServingService() override;

    void start() override;
    void stop() override;

    /// The router that picks the version answering each request; the Kafka predictor shares
    /// it, so swaps and A/B splits apply to it too. Safe from any thread.
    std::shared_ptr<const ModelRouter> router() const { return m_router; }
    /// The request metrics, readable from any thread (the Serving panel samples them).
    std::shared_ptr<ServingMetrics> metrics() const { return m_metrics; }
    /// The port the server listens on, 0 before it does. Safe from any thread.
    quint16 port() const;
    /// Starts, changes or ends (nullopt or weight 0) an A/B split. Safe from any thread.
    void setCandidate(std::optional<ServingTarget> candidate, double weight);
    /// The model in service as version `version` (primary or candidate), null when none is.
    /// Safe from any thread (the Serving panel reads class names and input shape from it).
    std::shared_ptr<const ServedModel> servedModel(qint64 version) const;

Q_SIGNALS:
    void listening(quint16 port);
    /// A deployment went into service: the primary version, and the candidate's (0 for none)
    /// with its share of requests.
    void deployed(qint64 primaryVersion, qint64 candidateVersion, double candidateWeight);
    /// A version could not be loaded (or a target has no version); the previous deployment
    /// stays in service.
    void deploymentFailed(const QString &message);

private:
    void follow();

    const registry::RegistryStore &m_registry;
    const ml::ArchitectureLookup m_architectures;
    ServingConfig m_config;
    std::shared_ptr<ModelRouter> m_router;
    std::shared_ptr<ServingMetrics> m_metrics;
    std::unique_ptr<ScoringServer> m_server;
    QThreadPool m_loader;
    QTimer *m_followTimer = nullptr;
    bool m_following = false;       ///< a check or load is under way
    QString m_lastProblem;          ///< not repeated in the log while it lasts
    qint64 m_lastChange = -1;       ///< the registry's change count at the last check
    quint64 m_configGeneration = 0; ///< moves on with every setCandidate()
};

} // namespace millrace::serving
