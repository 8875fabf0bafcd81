#pragma once

#include "core/serving/kafkapredictor.h"
#include "core/serving/servingmetrics.h"

#include "ui/panels/serving/threadretirer.h"

#include <QList>
#include <QObject>

#include <memory>

namespace millrace {
class ServiceThread;
}

namespace millrace::ui {

/// Runs the Kafka predictor for the Serving panel: starts a KafkaPredictor on a ServiceThread
/// of its own beside the scoring server (sharing its ModelRouter), follows it, and stops it
/// without the GUI thread waiting (the thread is joined on a worker). One predictor at a time;
/// signals of a predictor already being stopped are dropped.
class PredictorController : public QObject
{
    Q_OBJECT
public:
    /// Starting: waiting for the group to assign partitions (or for a model in service).
    enum class State { Stopped, Starting, Running, Stopping, Failed };
    Q_ENUM(State)

    explicit PredictorController(QObject *parent = nullptr);
    /// Stops the predictor, waiting for its thread.
    ~PredictorController() override;

    /// Starts predicting with `config` through `router`; retrains go to `requestRetrain`, and
    /// the predictor's counters appear among `metrics` (the scoring server's /metrics) until it
    /// stops. Does nothing unless stopped or failed.
    void start(serving::PredictorConfig config, std::shared_ptr<const serving::ModelRouter> router,
               serving::RetrainRequester requestRetrain,
               std::shared_ptr<serving::ServingMetrics> metrics);
    /// Stops the predictor; stateChanged(Stopped) follows once its thread ended.
    void stop();
    /// Stops the predictor and waits for its thread (before the session closes).
    void stopAndWait();

    State state() const { return m_state; }
    /// Why the predictor failed (State::Failed), one line.
    QString failure() const { return m_failure; }
    /// The running (or last) predictor's counters; zeros before the first start. Cheap: atomic
    /// reads, no Kafka.
    serving::PredictorCounters counters() const;

Q_SIGNALS:
    void stateChanged(millrace::ui::PredictorController::State state);
    /// A request could not be read (once per kind of problem).
    void malformedSeen(const QString &message);

private:
    void stopThread(State after);
    /// Takes the predictor's counters off the scoring server's /metrics.
    void withdrawMetrics();
    void setState(State state);

    ServiceThread *m_thread = nullptr;
    serving::KafkaPredictor *m_predictor = nullptr;         ///< owned by m_thread
    std::shared_ptr<const serving::PredictorStats> m_stats; ///< of the latest predictor
    std::shared_ptr<serving::ServingMetrics> m_metrics;     ///< where its counters show
    ServiceThreadRetirer m_retirer;
    quint64 m_generation = 0;
    State m_state = State::Stopped;
    QString m_failure;
};

} // namespace millrace::ui
