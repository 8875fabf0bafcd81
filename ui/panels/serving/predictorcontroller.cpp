#include "ui/panels/serving/predictorcontroller.h"

#include "core/base/servicethread.h"
#include "ui/panels/serving/servingpanellog.h"

namespace millrace::ui {

PredictorController::PredictorController(QObject *parent)
    : QObject(parent), m_retirer(QStringLiteral("predictor-stop"))
{
}

PredictorController::~PredictorController()
{
    stopAndWait();
}

void PredictorController::start(serving::PredictorConfig config,
                                std::shared_ptr<const serving::ModelRouter> router,
                                serving::RetrainRequester requestRetrain,
                                std::shared_ptr<serving::ServingMetrics> metrics)
{
    if (m_state != State::Stopped && m_state != State::Failed)
        return;
    m_failure.clear();
    ++m_generation;
    auto *predictor = new serving::KafkaPredictor(std::move(router), std::move(config),
                                                  std::move(requestRetrain));
    m_predictor = predictor;
    m_stats = predictor->stats();
    m_metrics = std::move(metrics);
    if (m_metrics)
        m_metrics->setSource(serving::kPredictorMetricsSource,
                             [stats = m_stats] { return stats->prometheusText(); });
    const quint64 generation = m_generation;
    connect(predictor, &serving::KafkaPredictor::assigned, this,
            [this, generation](int partitions) {
                if (generation == m_generation && m_predictor)
                    setState(partitions > 0 ? State::Running : State::Starting);
            });
    connect(predictor, &serving::KafkaPredictor::malformedSeen, this,
            [this, generation](const QString &, const QString &message) {
                if (generation == m_generation)
                    Q_EMIT malformedSeen(message);
            });
    connect(predictor, &Service::failed, this, [this, generation](const QString &message) {
        if (generation != m_generation)
            return;
        m_failure = message;
        stopThread(State::Failed);
    });
    m_thread = new ServiceThread(predictor, QStringLiteral("predictor"));
    setState(State::Starting);
    m_thread->start();
}

void PredictorController::stop()
{
    stopThread(State::Stopped);
}

void PredictorController::stopAndWait()
{
    withdrawMetrics();
    if (ServiceThread *thread = std::exchange(m_thread, nullptr)) {
        m_predictor = nullptr;
        ++m_generation;
        thread->stop();
        delete thread;
    }
    m_retirer.waitAll();
    if (m_state == State::Stopping || m_state == State::Running || m_state == State::Starting)
        setState(State::Stopped);
}

serving::PredictorCounters PredictorController::counters() const
{
    return m_stats ? m_stats->read() : serving::PredictorCounters();
}

void PredictorController::withdrawMetrics()
{
    if (m_metrics)
        std::exchange(m_metrics, nullptr)->setSource(serving::kPredictorMetricsSource, {});
}

void PredictorController::stopThread(State after)
{
    withdrawMetrics();
    ServiceThread *thread = std::exchange(m_thread, nullptr);
    if (!thread) {
        if (m_state != State::Stopping)
            setState(after == State::Failed ? State::Failed : State::Stopped);
        return;
    }
    ++m_generation;
    m_predictor = nullptr;
    setState(State::Stopping);
    // ServiceThread::stop() closes the consumer and flushes the predictions: under a second,
    // but a worker waits for it, not the GUI thread.
    m_retirer.retire(thread, [this, after] {
        qCInfo(lcServingPanel) << "predictor stopped";
        if (m_state == State::Stopping && m_retirer.idle())
            setState(after);
    });
}

void PredictorController::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace millrace::ui
