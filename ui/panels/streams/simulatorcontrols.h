#pragma once

#include "core/streams/simulator.h"

#include <QPointer>
#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace millrace {
class Job;
namespace streams {
class StreamsService;
}
} // namespace millrace

namespace millrace::ui {

/// The stream simulator's controls: a topic, a rate (messages/s) and a count (0: until
/// stopped), Start and Stop, and live counts of messages sent, delivered and failed with the
/// rate achieved. The records are Fashion-MNIST's stream-holdout images, loaded off the GUI
/// thread the first time Start is pressed; the streams service runs the simulator.
class SimulatorControls : public QWidget
{
    Q_OBJECT
public:
    explicit SimulatorControls(QWidget *parent = nullptr);
    ~SimulatorControls() override;

    /// Starts and stops the simulator of `service` (null: none; the controls turn off).
    void setService(streams::StreamsService *service);
    /// The topics to offer; the one typed or chosen is kept.
    void setTopics(const QStringList &topics);
    /// Chooses `topic` to publish to.
    void setTopic(const QString &topic);
    /// Shows the simulator's latest status (from StreamsService::simulatorChanged).
    void setStatus(const streams::SimulatorStatus &status);
    /// Whether the simulator runs (or was asked to start).
    bool isRunning() const { return m_running; }
    /// The latest status.
    const streams::SimulatorStatus &status() const { return m_status; }

    /// Starts publishing with the values in the controls.
    void start();
    /// Stops publishing.
    void stop();

private:
    void startWith(std::shared_ptr<const ml::Dataset> holdout);
    void updateControls();

    QPointer<streams::StreamsService> m_service;
    std::shared_ptr<const ml::Dataset> m_holdout;
    QPointer<Job> m_loadJob;
    streams::SimulatorStatus m_status;
    bool m_running = false;
    QString m_error;

    QComboBox *m_topic;
    QDoubleSpinBox *m_rate;
    QSpinBox *m_count;
    QPushButton *m_start;
    QPushButton *m_stop;
    QLabel *m_state;
    QLabel *m_sent;
    QLabel *m_delivered;
    QLabel *m_failed;
    QLabel *m_achieved;
};

} // namespace millrace::ui
