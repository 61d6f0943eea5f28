#pragma once
// The processor definitions, one factory per processor, for the registry
// (src/processor_registry.cpp). Each is defined in the file of its name or family here.

#include "ikgen/processors.hpp"

namespace ikgen {

[[nodiscard]] ProcessorDef resize_processor();          // resize.cpp
[[nodiscard]] ProcessorDef resize_to_cover_processor(); // resize.cpp
[[nodiscard]] ProcessorDef resize_to_fill_processor();  // resize.cpp
[[nodiscard]] ProcessorDef resize_to_fit_processor();   // resize.cpp
[[nodiscard]] ProcessorDef smart_resize_processor();    // smart_crop.cpp
[[nodiscard]] ProcessorDef smart_crop_processor();      // smart_crop.cpp
[[nodiscard]] ProcessorDef thumbnail_processor();
[[nodiscard]] ProcessorDef crop_processor();
[[nodiscard]] ProcessorDef resize_canvas_processor();
[[nodiscard]] ProcessorDef add_border_processor();
[[nodiscard]] ProcessorDef transpose_processor();
[[nodiscard]] ProcessorDef adjust_processor();
[[nodiscard]] ProcessorDef trim_border_color_processor();
[[nodiscard]] ProcessorDef make_opaque_processor();
[[nodiscard]] ProcessorDef color_overlay_processor();
[[nodiscard]] ProcessorDef reflection_processor();

} // namespace ikgen
