#include "ui/panels/experiments/imagepreview.h"

#include <QPainter>

namespace millrace::ui {

namespace {
constexpr int kMargin = 6;
} // namespace

ImagePreview::ImagePreview(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImagePreview::setImage(const QImage &image)
{
    m_image = image;
    m_scaled = QPixmap();
    update();
}

QRect ImagePreview::imageRect() const
{
    if (m_image.isNull())
        return {};
    const QRect area = rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
    // The picture's own size in device-independent pixels: a 100-px plot is not blown up.
    QSize size = m_image.deviceIndependentSize().toSize();
    if (size.width() > area.width() || size.height() > area.height())
        size.scale(area.size(), Qt::KeepAspectRatio);
    if (size.isEmpty())
        return {};
    QRect target(QPoint(), size);
    target.moveCenter(area.center());
    return target;
}

QSize ImagePreview::sizeHint() const
{
    return {320, 240};
}

QSize ImagePreview::minimumSizeHint() const
{
    return {48, 48};
}

void ImagePreview::paintEvent(QPaintEvent *)
{
    const QRect target = imageRect();
    if (target.isEmpty())
        return;
    const qreal ratio = devicePixelRatioF();
    const QSize pixels = (QSizeF(target.size()) * ratio).toSize();
    if (m_scaled.size() != pixels) {
        // Smooth scaling of a large picture is the costly part: once per size, not per paint.
        m_scaled = QPixmap::fromImage(
            pixels == m_image.size()
                ? m_image
                : m_image.scaled(pixels, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
        m_scaled.setDevicePixelRatio(ratio);
    }
    QPainter painter(this);
    painter.drawPixmap(target.topLeft(), m_scaled);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(target.adjusted(-1, -1, 0, 0));
}

} // namespace millrace::ui
