#include "ui/mainwindow/schedulertoggle.h"

#include "core/scheduler/schedulerswitch.h"

#include <QAction>
#include <QApplication>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>

namespace millrace::ui {

namespace {

// Play or pause, drawn in the palette's button-text colour so it reads on light and dark.
QIcon mediaIcon(bool pause)
{
    const QColor colour = QApplication::palette().color(QPalette::ButtonText);
    QIcon icon;
    for (int size : {16, 24, 32, 48}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(colour);
        const qreal unit = size / 16.0;
        if (pause) {
            painter.drawRoundedRect(QRectF(3.5 * unit, 2.5 * unit, 3 * unit, 11 * unit), unit,
                                    unit);
            painter.drawRoundedRect(QRectF(9.5 * unit, 2.5 * unit, 3 * unit, 11 * unit), unit,
                                    unit);
        } else {
            QPainterPath triangle;
            triangle.moveTo(4 * unit, 2.5 * unit);
            triangle.lineTo(13.5 * unit, 8 * unit);
            triangle.lineTo(4 * unit, 13.5 * unit);
            triangle.closeSubpath();
            painter.drawPath(triangle);
        }
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace

SchedulerToggle::SchedulerToggle(QAction *action, QObject *parent)
    : QObject(parent), m_action(action)
{
    m_action->setObjectName(QStringLiteral("schedulerAction"));
    connect(m_action, &QAction::triggered, this, [this] {
        if (!m_switch || !m_switch->isOn())
            return;
        m_saving = true;
        showState();
        m_switch->setOn(!*m_switch->isOn());
    });
    showState();
}

void SchedulerToggle::bind(SchedulerSwitch *schedulerSwitch)
{
    if (m_switch)
        m_switch->disconnect(this);
    m_switch = schedulerSwitch;
    m_saving = false;
    if (m_switch) {
        connect(m_switch, &SchedulerSwitch::stateChanged, this, [this] {
            m_saving = false;
            showState();
        });
        connect(m_switch, &SchedulerSwitch::failed, this, [this](const QString &message) {
            m_saving = false;
            showState();
            Q_EMIT statusChanged(tr("Scheduled updates: could not save (%1)").arg(message));
        });
    }
    showState();
}

void SchedulerToggle::showState()
{
    const std::optional<bool> running = m_switch ? m_switch->isOn() : std::nullopt;
    if (!running) {
        m_action->setEnabled(false);
        m_action->setText(tr("Start scheduled updates"));
        m_action->setIcon(mediaIcon(false));
        Q_EMIT statusChanged(m_switch ? tr("Scheduled updates: loading")
                                      : tr("Scheduled updates: no workspace"));
        return;
    }
    m_action->setEnabled(!m_saving);
    if (*running) {
        m_action->setText(tr("Pause scheduled updates"));
        m_action->setToolTip(tr("Scheduled updates are running. Pause them: no new runs start "
                                "until you start them again."));
        m_action->setIcon(mediaIcon(true));
        Q_EMIT statusChanged(tr("Scheduled updates: running"));
    } else {
        m_action->setText(tr("Start scheduled updates"));
        m_action->setToolTip(tr("Scheduled updates are paused. Start them again."));
        m_action->setIcon(mediaIcon(false));
        Q_EMIT statusChanged(tr("Scheduled updates: paused"));
    }
}

} // namespace millrace::ui
