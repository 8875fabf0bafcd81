#include "ui/mainwindow/switchtoggle.h"

#include "core/scheduler/schedulerswitch.h"

#include <QAction>

namespace millrace::ui {

SwitchToggle::SwitchToggle(QAction *action, QObject *parent) : QObject(parent), m_action(action)
{
    connect(m_action, &QAction::triggered, this, [this] {
        if (!m_switch || !m_switch->isOn())
            return;
        m_saving = true;
        redraw();
        m_switch->setOn(!*m_switch->isOn());
    });
}

void SwitchToggle::bind(SchedulerSwitch *schedulerSwitch)
{
    if (m_switch)
        m_switch->disconnect(this);
    m_switch = schedulerSwitch;
    m_saving = false;
    if (m_switch) {
        connect(m_switch, &SchedulerSwitch::stateChanged, this, [this] {
            m_saving = false;
            redraw();
        });
        connect(m_switch, &SchedulerSwitch::failed, this, [this](const QString &message) {
            m_saving = false;
            redraw();
            Q_EMIT saveFailed(message);
        });
    }
    redraw();
}

void SwitchToggle::redraw()
{
    const std::optional<bool> on = m_switch ? m_switch->isOn() : std::nullopt;
    m_action->setEnabled(on.has_value() && !m_saving);
    draw(on, m_switch != nullptr);
}

} // namespace millrace::ui
