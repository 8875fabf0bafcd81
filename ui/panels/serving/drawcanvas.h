#pragma once

#include <QWidget>

#include <vector>

namespace millrace::ui {

/// A 28 x 28 greyscale image to draw on with the mouse, shown enlarged: light strokes on a
/// dark ground, as Fashion-MNIST's pictures are. The left button draws with a soft brush, the
/// right one erases. It can also show a picture to be drawn over (a test image).
class DrawCanvas : public QWidget
{
    Q_OBJECT
public:
    explicit DrawCanvas(QWidget *parent = nullptr);

    /// The pixels, row-major, from 0 (ground) to 1 (stroke).
    const std::vector<float> &pixels() const { return m_pixels; }
    /// Shows `pixels` (side() x side() values from 0 to 1).
    void setPixels(const std::vector<float> &pixels);
    /// Whether anything is drawn.
    bool isEmpty() const;
    /// Pixels per side.
    static constexpr int side() { return 28; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return width; }

public Q_SLOTS:
    /// Clears the picture.
    void clear();

Q_SIGNALS:
    /// A stroke ended (the mouse button was released) or the picture was cleared or replaced.
    void edited();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QRect imageRect() const;
    /// Paints the brush at `position` (widget coordinates), from the last position on.
    void strokeTo(QPointF position);
    void dab(QPointF cell);

    std::vector<float> m_pixels;
    bool m_drawing = false;
    bool m_erasing = false;
    QPointF m_last;
};

} // namespace millrace::ui
