# Cases for tests/imagekit_hash_test.cpp: each is (label, YAML spec body as ikgen reads it,
# a function building the same spec's processors/format/options/autoconvert with real
# imagekit/pilkit objects). Every case is checked for each source in SOURCES.
from imagekit.processors import *  # noqa
from pilkit.processors.overlay import ColorOverlay
from pilkit.processors.base import ProcessorPipeline, Transpose

def rt(s):
    """A str built at run time (not interned), as !runtime gives."""
    return ''.join(list(s))

def alias_fit():
    p = ResizeToFit(width=100)
    return [p, p]

def shared_anchor():
    a = (0.5, 0.5)
    return [ResizeToFill(10, 10, anchor=a), Crop(5, 5, anchor=a)]

def shared_color():
    c = rt('#ff0000')
    return [ResizeCanvas(20, 20, color=c), AddBorder(1, color=c)]

def shared_pipeline():
    p = ProcessorPipeline([ResizeToFill(10, 10), MakeOpaque()])
    return [p, p]

CASES = [
 ('worked example', 'processors: [{ResizeToFill: {width: 100, height: 50}}]\nformat: JPEG\noptions: {quality: 85}',
  lambda: ([ResizeToFill(100, 50)], 'JPEG', {'quality': 85}, True)),
 ('Resize', 'processors: [{Resize: {width: 100, height: 50, upscale: false}}]',
  lambda: ([Resize(100, 50, upscale=False)], None, None, True)),
 ('ResizeToCover', 'processors: [{ResizeToCover: {width: 10, height: 20}}]\nformat: PNG',
  lambda: ([ResizeToCover(10, 20)], 'PNG', None, True)),
 ('ResizeToFill tuple anchor', 'processors: [{ResizeToFill: {width: 100, height: 100, anchor: !tuple [0.5, 0.25]}}]\nformat: JPEG\noptions: {quality: 85}\nautoconvert: true',
  lambda: ([ResizeToFill(width=100, height=100, anchor=(0.5, 0.25))], 'JPEG', {'quality': 85}, True)),
 ('ResizeToFill list anchor', 'processors: [{ResizeToFill: {width: 100, height: 100, anchor: !list [0.5, 0.25]}}]',
  lambda: ([ResizeToFill(width=100, height=100, anchor=[0.5, 0.25])], None, None, True)),
 ('ResizeToFill named anchor, float size', 'processors: [{ResizeToFill: {width: 100.0, height: 50, anchor: tl}}]',
  lambda: ([ResizeToFill(100.0, 50, anchor='tl')], None, None, True)),
 ('ResizeToFit mat', 'processors: [{ResizeToFit: {width: 300, height: 200, mat_color: "#ff0000"}}]\nformat: WEBP',
  lambda: ([ResizeToFit(width=300, height=200, mat_color=rt('#ff0000'))], 'WEBP', None, True)),
 ('SmartResize', 'processors: [{SmartResize: {width: 64, height: 64}}]\nautoconvert: false',
  lambda: ([SmartResize(64, 64)], None, None, False)),
 ('ResizeCanvas x', 'processors: [{ResizeCanvas: {width: 200, height: 100, color: [10, 20, 30], x: 5}}]',
  lambda: ([ResizeCanvas(200, 100, color=(10, 20, 30), x=5)], None, None, True)),
 ('ResizeCanvas defaults twice', 'processors: [{ResizeCanvas: {width: 200, height: 100}}, {ResizeCanvas: {width: 20, height: 10, anchor: br}}]',
  lambda: ([ResizeCanvas(200, 100), ResizeCanvas(20, 10, anchor='br')], None, None, True)),
 ('AddBorder', 'processors: [{AddBorder: {thickness: 3, color: "#000"}}, {AddBorder: {thickness: [1, 2, 3, 4]}}]',
  lambda: ([AddBorder(3, color=rt('#000')), AddBorder((1, 2, 3, 4))], None, None, True)),
 ('Crop', 'processors: [{Crop: {width: 50, height: 50, anchor: tl}}, {Crop: {width: 50, height: 50, x: 0, y: 10}}]',
  lambda: ([Crop(50, 50, anchor='tl'), Crop(50, 50, x=0, y=10)], None, None, True)),
 ('SmartCrop', 'processors: [{SmartCrop: {width: 30, height: 40}}]',
  lambda: ([SmartCrop(30, 40)], None, None, True)),
 ('TrimBorderColor', 'processors: [TrimBorderColor, {TrimBorderColor: {}}, {TrimBorderColor: {sides: [top, left], tolerance: 0.5, color: [255, 255, 255, 255]}}]',
  lambda: ([TrimBorderColor(), TrimBorderColor(), TrimBorderColor(sides=('t', 'l'), tolerance=0.5, color=(255, 255, 255, 255))], None, None, True)),
 ('Adjust numbers', 'processors: [{Adjust: {color: 0, brightness: 1e-05, contrast: 0.0001, sharpness: 1e16}}, {Adjust: {color: 1e15, brightness: 0.1, contrast: 123456789.125, sharpness: 2.5e-7}}]',
  lambda: ([Adjust(color=0, brightness=1e-05, contrast=0.0001, sharpness=1e16), Adjust(color=1e15, brightness=0.1, contrast=123456789.125, sharpness=2.5e-7)], None, None, True)),
 ('Reflection', 'processors: [Reflection, {Reflection: {size: 0.5}}, {Reflection: {background_color: "#000000", opacity: 1}}]',
  lambda: ([Reflection(), Reflection(size=0.5), Reflection(background_color=rt('#000000'), opacity=1)], None, None, True)),
 ('Transpose', 'processors: [Transpose, {Transpose: {methods: [rotate_90, flip_horizontal]}}, {Transpose: {methods: auto}}, {Transpose: {methods: [4, 3]}}]',
  lambda: ([Transpose(), Transpose(Transpose.ROTATE_90, Transpose.FLIP_HORIZONTAL), Transpose(Transpose.AUTO), Transpose(4, 3)], None, None, True)),
 ('MakeOpaque', 'processors: [MakeOpaque, MakeOpaque, {MakeOpaque: {background_color: [0, 0, 0]}}]',
  lambda: ([MakeOpaque(), MakeOpaque(), MakeOpaque(background_color=(0, 0, 0))], None, None, True)),
 ('ColorOverlay', 'processors: [{ColorOverlay: {color: "#336699", overlay_opacity: 0.25}}]\nformat: png',
  lambda: ([ColorOverlay(rt('#336699'), overlay_opacity=0.25)], 'png', None, True)),
 ('Thumbnail', 'processors: [{Thumbnail: {width: 100, height: 100}}, {Thumbnail: {width: 100}}, {Thumbnail: {width: 100, height: 80, anchor: c, upscale: true}}, {Thumbnail: {width: 10, height: 10, crop: false}}]',
  lambda: ([Thumbnail(100, 100), Thumbnail(100), Thumbnail(100, 80, anchor='c', upscale=True), Thumbnail(10, 10, crop=False)], None, None, True)),
 ('ProcessorPipeline', 'processors: [{ProcessorPipeline: [{ResizeToFill: {width: 10, height: 10}}, {Adjust: {contrast: 1.5}}]}, MakeOpaque]',
  lambda: ([ProcessorPipeline([ResizeToFill(10, 10), Adjust(contrast=1.5)]), MakeOpaque()], None, None, True)),
 ('alias: one processor twice', 'processors: [&p {ResizeToFit: {width: 100}}, *p]',
  lambda: (alias_fit(), None, None, True)),
 ('alias: one anchor tuple', 'processors: [{ResizeToFill: {width: 10, height: 10, anchor: &a [0.5, 0.5]}}, {Crop: {width: 5, height: 5, anchor: *a}}]',
  lambda: (shared_anchor(), None, None, True)),
 ('alias: one colour str', 'processors: [{ResizeCanvas: {width: 20, height: 20, color: &c "#ff0000"}}, {AddBorder: {thickness: 1, color: *c}}]',
  lambda: (shared_color(), None, None, True)),
 ('no alias: equal colour strs', 'processors: [{ResizeCanvas: {width: 20, height: 20, color: "#ff0000"}}, {AddBorder: {thickness: 1, color: "#ff0000"}}]',
  lambda: ([ResizeCanvas(20, 20, color=rt('#ff0000')), AddBorder(1, color=rt('#ff0000'))], None, None, True)),
 ('interned vs runtime', 'processors: [{Crop: {width: 5, height: 5, anchor: tl}}, {Crop: {width: 6, height: 6, anchor: tl}}, {Crop: {width: 7, height: 7, anchor: !runtime tl}}]\nformat: !runtime JPEG',
  lambda: ([Crop(5, 5, anchor='tl'), Crop(6, 6, anchor='tl'), Crop(7, 7, anchor=rt('tl'))], rt('JPEG'), None, True)),
 ('options empty dict', 'processors: []\noptions: {}\nformat: JPEG',
  lambda: ([], 'JPEG', {}, True)),
 ('options several', 'processors: [{Resize: {width: 8, height: 8}}]\nformat: JPEG\noptions: {quality: 90, progressive: true, optimize: false}',
  lambda: ([Resize(8, 8)], 'JPEG', {'quality': 90, 'progressive': True, 'optimize': False}, True)),

 ('alias: one pipeline twice', 'processors: [&pp {ProcessorPipeline: [{ResizeToFill: {width: 10, height: 10}}, MakeOpaque]}, *pp]',
  lambda: (shared_pipeline(), None, None, True)),
 ('ResizeCanvas x 0.0 and null options', 'processors: [{ResizeCanvas: {width: 20, height: 20, x: 0.0, y: 3}}]\noptions: null\nformat: jpeg',
  lambda: ([ResizeCanvas(20, 20, x=0.0, y=3)], 'jpeg', None, True)),
 ('Transpose mixed, Adjust int', 'processors: [{Transpose: {methods: [auto, 2]}}, {Adjust: {color: 0.5, contrast: 2}}]',
  lambda: ([Transpose('auto', 2), Adjust(color=0.5, contrast=2)], None, None, True)),
 ('dict options with float and explicit tuple anchor alias in options-free spec', 'processors: [{Thumbnail: {width: 50, height: 40, anchor: !tuple [1, 0]}}]\nformat: JPEG\noptions: {quality: 85.0}',
  lambda: ([Thumbnail(50, 40, anchor=(1, 0))], 'JPEG', {'quality': 85.0}, True)),

 ('runtime one-character strs are shared, literals interned', 'processors: [{Crop: {width: 5, height: 5, anchor: !runtime c}}, {Crop: {width: 6, height: 6, anchor: !runtime c}}, {ResizeToFit: {width: 10}}, {Crop: {width: 7, height: 7, anchor: c}}]',
  lambda: ([Crop(5, 5, anchor=rt('c')), Crop(6, 6, anchor=rt('c')), ResizeToFit(width=10), Crop(7, 7, anchor='c')], None, None, True)),
]

SOURCES = [
 'photos/bulldog.jpg', 'x.JPG', 'a b/ä ö "q" \'s\'.png', 'back\\slash.jpeg', 'new\nline.jpg', '.hidden', 'a/.hidden',
 'noext', 'dir/archive.tar.gz', '/abs/x.jpg', 'a/../b.png', 'emoji 😀/ü.WEBP', 'cr\rsub\x1a.jpg', '..b.jpg', 'a.',
 'dir/', 'ikgen-probe/ä b"c\\d\ne.JPG', '中文/名字.jpe', 'c', 't', 'é',
]
