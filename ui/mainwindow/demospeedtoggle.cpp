#include "ui/mainwindow/demospeedtoggle.h"

#include "core/scheduler/schedulerswitch.h"

#include <QAction>

namespace millrace::ui {

DemoSpeedToggle::DemoSpeedToggle(QAction *action, QObject *parent)
    : QObject(parent), m_action(action)
{
    m_action->setObjectName(QStringLiteral("demoSpeedAction"));
    m_action->setText(tr("Demo speed"));
    m_action->setCheckable(true);
    connect(m_action, &QAction::triggered, this, [this](bool checked) {
        if (!m_switch || !m_switch->isOn())
            return;
        m_saving = true;
        showState();
        m_switch->setOn(checked);
    });
    showState();
}

void DemoSpeedToggle::bind(SchedulerSwitch *demoSpeed)
{
    if (m_switch)
        m_switch->disconnect(this);
    m_switch = demoSpeed;
    m_saving = false;
    if (m_switch) {
        connect(m_switch, &SchedulerSwitch::stateChanged, this, [this] {
            m_saving = false;
            showState();
        });
        connect(m_switch, &SchedulerSwitch::failed, this, [this](const QString &message) {
            m_saving = false;
            showState(); // back to the state that is stored
            Q_EMIT saveFailed(tr("Demo speed: could not save (%1)").arg(message));
        });
    }
    showState();
}

void DemoSpeedToggle::showState()
{
    const std::optional<bool> on = m_switch ? m_switch->isOn() : std::nullopt;
    m_action->setEnabled(on.has_value() && !m_saving);
    m_action->setChecked(on.value_or(false));
    m_action->setToolTip(
        on.value_or(false)
            ? tr("Demo speed is on: DAGs with a demo schedule run on it (the shipped pipeline "
                 "streams every minute and updates the model every five). Uncheck to run them "
                 "on their real schedules.")
            : tr("Demo speed is off: DAGs run on their real schedules. Check to run those with a "
                 "demo schedule on it (the shipped pipeline streams every minute and updates "
                 "the model every five)."));
}

} // namespace millrace::ui
