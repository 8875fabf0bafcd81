#pragma once

#include "core/serving/kafkapredictor.h"
#include "ui/panels/serving/predictorcontroller.h"

#include <QGroupBox>

#include <optional>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace millrace::ui {

/// The "Kafka predictor" box (seed 002): which topic to answer and where, how many labelled
/// requests make a retrain and of which DAG, Start and Stop, and live counters (predictions,
/// labelled requests toward the next retrain, retrains asked for, the version answering,
/// malformed requests). Only shows and asks: the panel runs the predictor.
class PredictorBox : public QGroupBox
{
    Q_OBJECT
public:
    explicit PredictorBox(QWidget *parent = nullptr);

    /// The settings as typed (the cluster is filled in by the panel); nothing, with the reason
    /// shown in the box, when they do not work.
    std::optional<serving::PredictorConfig> config();
    /// Follows the predictor's state; `servingRuns` says whether there is a model to answer
    /// with (Start needs one).
    void setState(PredictorController::State state, bool servingRuns, const QString &failure);
    /// Shows the counters.
    void setCounters(const serving::PredictorCounters &counters);
    /// Shows a one-line note (a malformed request, no Kafka connection, ...).
    void setNote(const QString &text);

Q_SIGNALS:
    void startRequested();
    void stopRequested();

private:
    QLineEdit *m_requestTopic;
    QLineEdit *m_predictionsTopic;
    QSpinBox *m_retrainEvery;
    QLineEdit *m_dag;
    QPushButton *m_start;
    QPushButton *m_stop;
    QLabel *m_state;
    QLabel *m_predicted;
    QLabel *m_towardRetrain;
    QLabel *m_retrains;
    QLabel *m_version;
    QLabel *m_malformed;
    QLabel *m_note;
};

} // namespace millrace::ui
