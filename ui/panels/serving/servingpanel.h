#pragma once

#include "ui/panels/serving/servingcontroller.h"
#include "ui/panels/serving/servingqueries.h"

#include <QThreadPool>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace {
class Session;
}

namespace millrace::ui {
class PredictorBox;
class PredictorController;
} // namespace millrace::ui

namespace millrace::ui {

class AbTestBox;
class ServingCharts;
class ServingControls;
class ServingStatus;
class TrafficSampler;
class TryItBox;

/// The Serving panel, Millrace's `mlflow models serve` with Seldon's live view: on the left
/// what to serve (a registered model's stage, alias or version; address, port, workers, the
/// token) with Start and Stop, and the A/B split with the requests each version answered; on
/// the right the state and URL, live charts of requests/s and latency p50/p99 over the last
/// minutes, and "Try it", which sends a test image or a drawing to the server and shows the
/// answer. Serving runs on a thread of its own; the registry is read off the GUI thread.
class ServingPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ServingPanel(QWidget *parent = nullptr);
    /// Stops serving, waiting for it.
    ~ServingPanel() override;

    /// Serves from the registry of `session`, which must outlive detachSession().
    void attachSession(Session &session);
    /// Stops serving (waiting for its thread) and lets go of the session.
    void detachSession();

    /// The status bar's words ("Serving: v3 on http://127.0.0.1:5001").
    QString statusText() const;

Q_SIGNALS:
    /// statusText() changed.
    void statusChanged(const QString &text);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    QWidget *createLeftSide();
    void loadModels(bool force);
    void onModelsLoaded(const Result<std::optional<QList<ServableModel>>> &models, qint64 changes);
    void onStateChanged(ServingController::State state);
    void startServing();
    void askConsent(const QString &address);
    void applySplit();
    void startPredictor();
    void onPredictorStateChanged();
    void announce();

    ServingController *m_controller;
    TrafficSampler *m_sampler;
    ServingControls *m_controls;
    AbTestBox *m_abTest;
    ServingStatus *m_status;
    ServingCharts *m_charts;
    TryItBox *m_tryIt;
    PredictorController *m_predictorController;
    PredictorBox *m_predictorBox;
    QTimer *m_pollTimer;
    QTimer *m_countersTimer;
    Session *m_session = nullptr;

    const registry::RegistryStore *m_registry = nullptr;
    QThreadPool m_pool;
    quint64 m_modelsSerial = 0;
    bool m_loadingModels = false;
    std::optional<qint64> m_loadedChanges; ///< the registry's change count the models are of
    QString m_lastStatus;
};

} // namespace millrace::ui
