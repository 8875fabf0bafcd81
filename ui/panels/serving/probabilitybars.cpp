#include "ui/panels/serving/probabilitybars.h"

#include <QLocale>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace millrace::ui {

std::vector<double> softmax(const std::vector<double> &logits)
{
    if (logits.empty())
        return {};
    const double top = *std::max_element(logits.begin(), logits.end());
    std::vector<double> probabilities(logits.size());
    double sum = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        probabilities[i] = std::exp(logits[i] - top);
        sum += probabilities[i];
    }
    for (double &probability : probabilities)
        probability /= sum;
    return probabilities;
}

ProbabilityBars::ProbabilityBars(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ProbabilityBars::setProbabilities(const QStringList &names,
                                       const std::vector<double> &probabilities, int trueClass)
{
    m_names = names;
    m_probabilities = probabilities;
    m_trueClass = trueClass;
    updateGeometry();
    update();
}

void ProbabilityBars::setClasses(const QStringList &names)
{
    setProbabilities(names, std::vector<double>(std::size_t(names.size()), 0.0), -1);
}

QString ProbabilityBars::className(int index) const
{
    if (index >= 0 && index < m_names.size() && !m_names.at(index).isEmpty())
        return m_names.at(index);
    return tr("class %1").arg(index);
}

int ProbabilityBars::rowHeight() const
{
    return fontMetrics().height() + 4;
}

int ProbabilityBars::nameWidth() const
{
    int widest = fontMetrics().horizontalAdvance(QStringLiteral("Ankle boot"));
    for (int i = 0; i < int(m_probabilities.size()); ++i)
        widest =
            std::max(widest, fontMetrics().horizontalAdvance(className(i) + QStringLiteral(" ✓")));
    return widest + 8;
}

QSize ProbabilityBars::sizeHint() const
{
    const int rows = std::max<int>(int(m_probabilities.size()), 10);
    return QSize(nameWidth() + 200, rows * rowHeight());
}

QSize ProbabilityBars::minimumSizeHint() const
{
    const int rows = std::max<int>(int(m_probabilities.size()), 10);
    return QSize(nameWidth() + 100, rows * rowHeight());
}

void ProbabilityBars::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const int rows = int(m_probabilities.size());
    if (rows == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("A probability per class shows here for each answer."));
        return;
    }
    const int row = rowHeight();
    const int names = nameWidth();
    const QLocale locale;
    const int percentWidth =
        fontMetrics().horizontalAdvance(locale.toString(100.0, 'f', 1) + QLatin1Char('%')) + 6;
    const int barLeft = names + 4;
    const int barWidth = std::max(10, width() - barLeft - percentWidth);
    const auto top = std::max_element(m_probabilities.begin(), m_probabilities.end());
    const int best =
        top == m_probabilities.end() || *top <= 0 ? -1 : int(top - m_probabilities.begin());
    const QColor text = palette().color(QPalette::Text);
    const QColor quiet = palette().color(QPalette::PlaceholderText);
    const QColor highlight = palette().color(QPalette::Highlight);
    QColor track = palette().color(QPalette::Mid);
    track.setAlpha(50);
    QColor bar = palette().color(QPalette::Mid);

    for (int i = 0; i < rows; ++i) {
        const QRect line(0, i * row, width(), row);
        QFont font = this->font();
        font.setBold(i == best);
        painter.setFont(font);
        painter.setPen(i == best ? text : quiet);
        QString name = className(i);
        if (i == m_trueClass)
            name += QStringLiteral(" ✓");
        painter.drawText(QRect(0, line.top(), names - 6, row), Qt::AlignRight | Qt::AlignVCenter,
                         name);
        const QRectF trackRect(barLeft, line.top() + 3, barWidth, row - 6);
        painter.setPen(Qt::NoPen);
        painter.setBrush(track);
        painter.drawRoundedRect(trackRect, 2, 2);
        const double share = std::clamp(m_probabilities[std::size_t(i)], 0.0, 1.0);
        if (share > 0) {
            QRectF filled = trackRect;
            filled.setWidth(std::max(2.0, trackRect.width() * share));
            painter.setBrush(i == best ? highlight : bar);
            painter.drawRoundedRect(filled, 2, 2);
        }
        painter.setPen(i == best ? text : quiet);
        painter.drawText(QRect(barLeft + barWidth + 4, line.top(), percentWidth, row),
                         Qt::AlignRight | Qt::AlignVCenter,
                         locale.toString(share * 100, 'f', 1) + QLatin1Char('%'));
    }
}

} // namespace millrace::ui
