#include "ui/panels/serving/drawcanvas.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace millrace::ui {

namespace {

// The brush: a disc about two pixels across with a soft edge, as a pen stroke scanned at
// Fashion-MNIST's resolution looks.
constexpr double kBrushRadius = 1.4;

} // namespace

DrawCanvas::DrawCanvas(QWidget *parent)
    : QWidget(parent), m_pixels(std::size_t(side() * side()), 0.0f)
{
    setCursor(Qt::CrossCursor);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    setToolTip(tr("Draw with the left mouse button, erase with the right one"));
}

QSize DrawCanvas::sizeHint() const
{
    return QSize(side() * 6, side() * 6);
}

QSize DrawCanvas::minimumSizeHint() const
{
    return QSize(side() * 3, side() * 3);
}

void DrawCanvas::setPixels(const std::vector<float> &pixels)
{
    if (pixels.size() != m_pixels.size())
        return;
    m_pixels = pixels;
    update();
    Q_EMIT edited();
}

bool DrawCanvas::isEmpty() const
{
    return std::all_of(m_pixels.begin(), m_pixels.end(), [](float value) { return value <= 0; });
}

void DrawCanvas::clear()
{
    std::fill(m_pixels.begin(), m_pixels.end(), 0.0f);
    update();
    Q_EMIT edited();
}

QRect DrawCanvas::imageRect() const
{
    // Whole pixels per cell, centred: the picture stays sharp.
    const int cell = std::max(1, std::min(width(), height()) / side());
    const int extent = cell * side();
    return QRect((width() - extent) / 2, (height() - extent) / 2, extent, extent);
}

void DrawCanvas::paintEvent(QPaintEvent *)
{
    QImage image(side(), side(), QImage::Format_Grayscale8);
    for (int y = 0; y < side(); ++y) {
        uchar *line = image.scanLine(y);
        for (int x = 0; x < side(); ++x)
            line[x] = uchar(std::clamp(m_pixels[std::size_t(y * side() + x)], 0.0f, 1.0f) * 255);
    }
    QPainter painter(this);
    const QRect target = imageRect();
    painter.drawImage(target, image);
    QColor frame = palette().color(QPalette::Mid);
    painter.setPen(frame);
    painter.drawRect(target.adjusted(0, 0, -1, -1));
}

void DrawCanvas::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton && event->button() != Qt::RightButton)
        return QWidget::mousePressEvent(event);
    m_drawing = true;
    m_erasing = event->button() == Qt::RightButton;
    m_last = event->position();
    strokeTo(event->position());
}

void DrawCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (m_drawing)
        strokeTo(event->position());
}

void DrawCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_drawing)
        return QWidget::mouseReleaseEvent(event);
    strokeTo(event->position());
    m_drawing = false;
    Q_EMIT edited();
}

void DrawCanvas::strokeTo(QPointF position)
{
    const QRect area = imageRect();
    const double cell = double(area.width()) / side();
    const auto toCell = [&](QPointF point) {
        return QPointF((point.x() - area.left()) / cell, (point.y() - area.top()) / cell);
    };
    const QPointF from = toCell(m_last);
    const QPointF to = toCell(position);
    // Dabs half a pixel apart along the segment, so a fast stroke has no gaps.
    const double length = std::hypot(to.x() - from.x(), to.y() - from.y());
    const int steps = std::max(1, int(std::ceil(length * 2)));
    for (int step = 0; step <= steps; ++step)
        dab(from + (to - from) * (double(step) / steps));
    m_last = position;
    update();
}

void DrawCanvas::dab(QPointF cell)
{
    const int left = int(std::floor(cell.x() - kBrushRadius - 1));
    const int top = int(std::floor(cell.y() - kBrushRadius - 1));
    for (int y = std::max(0, top); y <= std::min(side() - 1, top + int(kBrushRadius * 2) + 2);
         ++y) {
        for (int x = std::max(0, left); x <= std::min(side() - 1, left + int(kBrushRadius * 2) + 2);
             ++x) {
            const double distance = std::hypot(x + 0.5 - cell.x(), y + 0.5 - cell.y());
            const double strength = std::clamp(kBrushRadius + 0.5 - distance, 0.0, 1.0);
            if (strength <= 0)
                continue;
            float &pixel = m_pixels[std::size_t(y * side() + x)];
            pixel =
                m_erasing ? std::min(pixel, float(1 - strength)) : std::max(pixel, float(strength));
        }
    }
}

} // namespace millrace::ui
