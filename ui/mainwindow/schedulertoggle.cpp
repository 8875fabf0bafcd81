#include "ui/mainwindow/schedulertoggle.h"

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

SchedulerToggle::SchedulerToggle(QAction *action, QObject *parent) : SwitchToggle(action, parent)
{
    action->setObjectName(QStringLiteral("schedulerAction"));
    connect(this, &SwitchToggle::saveFailed, this, [this](const QString &message) {
        Q_EMIT statusChanged(tr("Scheduled updates: could not save (%1)").arg(message));
    });
    redraw();
}

void SchedulerToggle::draw(std::optional<bool> running, bool bound)
{
    QAction *const button = action();
    if (!running) {
        button->setText(tr("Start scheduled updates"));
        button->setIcon(mediaIcon(false));
        Q_EMIT statusChanged(bound ? tr("Scheduled updates: loading")
                                   : tr("Scheduled updates: no workspace"));
        return;
    }
    if (*running) {
        button->setText(tr("Pause scheduled updates"));
        button->setToolTip(tr("Scheduled updates are running. Pause them: no new runs start "
                              "until you start them again."));
        button->setIcon(mediaIcon(true));
        Q_EMIT statusChanged(tr("Scheduled updates: running"));
    } else {
        button->setText(tr("Start scheduled updates"));
        button->setToolTip(tr("Scheduled updates are paused. Start them again."));
        button->setIcon(mediaIcon(false));
        Q_EMIT statusChanged(tr("Scheduled updates: paused"));
    }
}

} // namespace millrace::ui
