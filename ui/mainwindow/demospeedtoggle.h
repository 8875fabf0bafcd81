#pragma once

#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QAction;
QT_END_NAMESPACE

namespace millrace {
class SchedulerSwitch;
}

namespace millrace::ui {

/// Binds the toolbar's checkable Demo speed action to the workspace's demo speed switch: checked
/// while DAGs with a demo_schedule run on it (the shipped pipeline: the stream every minute, the
/// update every five). Disabled while there is no workspace or a change is being saved.
class DemoSpeedToggle : public QObject
{
    Q_OBJECT
public:
    explicit DemoSpeedToggle(QAction *action, QObject *parent = nullptr);

    /// Follows `demoSpeed`, a switch of kind DemoSpeed (null to detach).
    void bind(SchedulerSwitch *demoSpeed);

Q_SIGNALS:
    /// A message for the status bar when a change could not be saved.
    void saveFailed(const QString &text);

private:
    void showState();

    QAction *m_action;
    QPointer<SchedulerSwitch> m_switch;
    bool m_saving = false;
};

} // namespace millrace::ui
