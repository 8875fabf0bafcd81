#include "ui/panels/registry/historydelegate.h"

#include "ui/panels/registry/historymodel.h"

#include <QApplication>
#include <QPainter>

namespace millrace::ui {

namespace {

constexpr int kMarginX = 10;
constexpr int kMarginY = 5;
constexpr int kGutter = 26;
constexpr int kDot = 10;
constexpr int kLineGap = 2;

QFont smallFont(QFont font)
{
    font.setPointSizeF(font.pointSizeF() * 0.88);
    return font;
}

QFont titleFont(QFont font)
{
    font.setBold(true);
    return font;
}

int timeWidth(const QFontMetrics &small)
{
    return small.horizontalAdvance(QStringLiteral("2024-06-11 14:03:12")) + 4;
}

} // namespace

void HistoryDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    const bool selected = option.state & QStyle::State_Selected;
    const QPalette &palette = option.palette;
    const QColor text = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    const QColor muted = selected ? text : palette.color(QPalette::PlaceholderText);
    const QFont small = smallFont(option.font);
    const QFont title = titleFont(option.font);
    const QFontMetrics smallMetrics(small);
    const QFontMetrics titleMetrics(title);
    const QFontMetrics bodyMetrics(option.font);

    const QRect area = option.rect.adjusted(kMarginX, kMarginY, -kMarginX, -kMarginY);
    const int timeRight = area.left() + timeWidth(smallMetrics);
    const int lineX = timeRight + kGutter / 2;
    const int contentLeft = timeRight + kGutter;
    const int contentWidth = qMax(0, area.right() - contentLeft);
    const QRect titleLine(contentLeft, area.top(), contentWidth, titleMetrics.height());

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);

    // The line through the timeline: it starts at the newest dot and ends at the oldest.
    const QColor lineColour = palette.color(QPalette::Mid);
    painter->setPen(QPen(lineColour, 2));
    const int dotY = titleLine.center().y();
    const int rows = index.model()->rowCount(index.parent());
    if (index.row() > 0)
        painter->drawLine(QPointF(lineX, option.rect.top()), QPointF(lineX, dotY));
    if (index.row() < rows - 1)
        painter->drawLine(QPointF(lineX, dotY), QPointF(lineX, option.rect.bottom() + 1));
    const QColor accent = index.data(HistoryModel::AccentRole).value<QColor>();
    painter->setPen(QPen(palette.color(QPalette::Base), 2));
    painter->setBrush(accent);
    painter->drawEllipse(QPointF(lineX, dotY), kDot / 2.0 + 1, kDot / 2.0 + 1);

    painter->setFont(small);
    painter->setPen(muted);
    painter->drawText(
        QRect(area.left(), titleLine.top(), timeRight - area.left(), titleLine.height()),
        Qt::AlignLeft | Qt::AlignVCenter, index.data(HistoryModel::TimeTextRole).toString());

    // Title, then who did it in the muted colour on the same line.
    const QString titleText = index.data(HistoryModel::TitleRole).toString();
    painter->setFont(title);
    painter->setPen(text);
    const QString shownTitle = titleMetrics.elidedText(titleText, Qt::ElideRight, contentWidth);
    painter->drawText(titleLine, Qt::AlignLeft | Qt::AlignVCenter, shownTitle);
    const int actorLeft = contentLeft + titleMetrics.horizontalAdvance(shownTitle) + 10;
    const QString actor = index.data(HistoryModel::ActorRole).toString();
    if (!actor.isEmpty() && actorLeft < area.right()) {
        painter->setFont(small);
        painter->setPen(muted);
        const QRect actorRect(actorLeft, titleLine.top(), area.right() - actorLeft,
                              titleLine.height());
        painter->drawText(
            actorRect, Qt::AlignLeft | Qt::AlignVCenter,
            smallMetrics.elidedText(tr("by %1").arg(actor), Qt::ElideRight, actorRect.width()));
    }

    int y = titleLine.bottom() + 1 + kLineGap;
    const QString reason = index.data(HistoryModel::ReasonRole).toString();
    if (!reason.isEmpty()) {
        painter->setFont(option.font);
        painter->setPen(text);
        const QRect line(contentLeft, y, contentWidth, bodyMetrics.height());
        painter->drawText(
            line, Qt::AlignLeft | Qt::AlignVCenter,
            bodyMetrics.elidedText(reason.simplified(), Qt::ElideRight, contentWidth));
        y = line.bottom() + 1 + kLineGap;
    }
    const QString evaluation = index.data(HistoryModel::EvaluationRole).toString();
    if (!evaluation.isEmpty()) {
        painter->setFont(small);
        painter->setPen(muted);
        const QRect line(contentLeft, y, contentWidth, smallMetrics.height());
        painter->drawText(line, Qt::AlignLeft | Qt::AlignVCenter,
                          smallMetrics.elidedText(evaluation, Qt::ElideRight, contentWidth));
    }
    painter->restore();
}

QSize HistoryDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QFontMetrics smallMetrics(smallFont(option.font));
    const QFontMetrics titleMetrics(titleFont(option.font));
    const QFontMetrics bodyMetrics(option.font);
    int height = 2 * kMarginY + titleMetrics.height();
    if (!index.data(HistoryModel::ReasonRole).toString().isEmpty())
        height += kLineGap + bodyMetrics.height();
    if (!index.data(HistoryModel::EvaluationRole).toString().isEmpty())
        height += kLineGap + smallMetrics.height();
    const int width =
        2 * kMarginX + timeWidth(smallMetrics) + kGutter
        + titleMetrics.horizontalAdvance(index.data(HistoryModel::TitleRole).toString());
    return QSize(width, height);
}

} // namespace millrace::ui
