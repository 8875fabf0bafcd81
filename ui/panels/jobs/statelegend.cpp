#include "ui/panels/jobs/statelegend.h"

#include "ui/panels/jobs/statestyle.h"

#include <QPainter>

namespace millrace::ui {

namespace {
constexpr int kSquare = 10;
constexpr int kGapAfterSquare = 4;
constexpr int kGapBetween = 12;
} // namespace

StateLegend::StateLegend(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    QStringList names;
    for (scheduler::TaskState state : legendTaskStates())
        names.append(taskStateText(state));
    setAccessibleName(tr("Task states: %1").arg(names.join(QStringLiteral(", "))));
}

QSize StateLegend::sizeHint() const
{
    int width = 0;
    for (scheduler::TaskState state : legendTaskStates())
        width += kSquare + kGapAfterSquare + fontMetrics().horizontalAdvance(taskStateText(state))
                 + kGapBetween;
    return QSize(width, fontMetrics().height() + 4);
}

QSize StateLegend::minimumSizeHint() const
{
    return QSize(0, fontMetrics().height() + 4);
}

void StateLegend::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const int middle = height() / 2;
    int x = 0;
    for (scheduler::TaskState state : legendTaskStates()) {
        const QString text = taskStateText(state);
        const int textWidth = fontMetrics().horizontalAdvance(text);
        if (x + kSquare + kGapAfterSquare + textWidth > width())
            break; // what does not fit is left out rather than cut
        paintStateSquare(&painter, QRectF(x, middle - kSquare / 2.0, kSquare, kSquare), state,
                         palette());
        x += kSquare + kGapAfterSquare;
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(x, 0, textWidth, height()), Qt::AlignVCenter | Qt::AlignLeft, text);
        x += textWidth + kGapBetween;
    }
}

} // namespace millrace::ui
