using System.Runtime.InteropServices;

namespace Inspection.Engine.Cameras.Aravis;

/// <summary>
/// The part of aravis' C API (Debian's libaravis-0.8-0) that <see cref="GigESource"/> uses, and the two GLib calls it
/// needs (GError, GObject properties). No managed GenICam library is served here, so the binding is this file: every
/// pointer is an opaque handle, every failing call reports through a GError that <see cref="Check"/> turns into an
/// exception with aravis' own message.
/// </summary>
internal static class AravisNative
{
    private const string Aravis = "libaravis-0.8.so.0";
    private const string GObject = "libgobject-2.0.so.0";
    private const string GLib = "libglib-2.0.so.0";

    public const int BufferStatusSuccess = 0;
    public const int AcquisitionModeContinuous = 0;
    public const int GvStreamOptionPacketSocketDisabled = 1;
    public const int GvStreamSocketBufferAuto = 1;

    [DllImport(Aravis)] public static extern IntPtr arv_camera_new(string? name, out IntPtr error);
    [DllImport(Aravis)] public static extern IntPtr arv_camera_get_device(IntPtr camera);
    [DllImport(Aravis)] public static extern bool arv_camera_is_gv_device(IntPtr camera);
    [DllImport(Aravis)] public static extern void arv_camera_set_pixel_format_from_string(IntPtr camera, string format, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_set_region(IntPtr camera, int x, int y, int width, int height, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_get_region(IntPtr camera, out int x, out int y, out int width, out int height, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_get_width_bounds(IntPtr camera, out int min, out int max, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_get_height_bounds(IntPtr camera, out int min, out int max, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_get_exposure_time_bounds(IntPtr camera, out double min, out double max, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_get_gain_bounds(IntPtr camera, out double min, out double max, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_set_exposure_time(IntPtr camera, double microseconds, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_set_gain(IntPtr camera, double decibels, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_set_frame_rate(IntPtr camera, double framesPerSecond, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_set_trigger(IntPtr camera, string source, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_clear_triggers(IntPtr camera, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_set_acquisition_mode(IntPtr camera, int mode, out IntPtr error);
    [DllImport(Aravis)] public static extern uint arv_camera_get_payload(IntPtr camera, out IntPtr error);
    [DllImport(Aravis)] public static extern IntPtr arv_camera_create_stream(IntPtr camera, IntPtr callback, IntPtr userData, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_start_acquisition(IntPtr camera, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_stop_acquisition(IntPtr camera, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_camera_software_trigger(IntPtr camera, out IntPtr error);
    [DllImport(Aravis)] public static extern void arv_gv_device_set_stream_options(IntPtr gvDevice, int options);
    [DllImport(Aravis)] public static extern UIntPtr arv_gv_stream_socket_buffer_get_type();

    [DllImport(Aravis)] public static extern IntPtr arv_buffer_new_allocate(UIntPtr size);
    [DllImport(Aravis)] public static extern int arv_buffer_get_status(IntPtr buffer);
    [DllImport(Aravis)] public static extern IntPtr arv_buffer_get_data(IntPtr buffer, out UIntPtr size);
    [DllImport(Aravis)] public static extern int arv_buffer_get_image_width(IntPtr buffer);
    [DllImport(Aravis)] public static extern int arv_buffer_get_image_height(IntPtr buffer);
    [DllImport(Aravis)] public static extern uint arv_buffer_get_image_pixel_format(IntPtr buffer);
    [DllImport(Aravis)] public static extern ulong arv_buffer_get_frame_id(IntPtr buffer);
    [DllImport(Aravis)] public static extern void arv_stream_push_buffer(IntPtr stream, IntPtr buffer);
    [DllImport(Aravis)] public static extern IntPtr arv_stream_timeout_pop_buffer(IntPtr stream, ulong timeoutMicroseconds);

    [DllImport(GObject)] public static extern void g_object_unref(IntPtr instance);
    [DllImport(GObject)] public static extern IntPtr g_value_init(IntPtr value, UIntPtr type);
    [DllImport(GObject)] public static extern void g_value_set_enum(IntPtr value, int number);
    [DllImport(GObject)] public static extern void g_value_set_uint(IntPtr value, uint number);
    [DllImport(GObject)] public static extern void g_value_set_double(IntPtr value, double number);
    [DllImport(GObject)] public static extern void g_value_unset(IntPtr value);
    [DllImport(GObject)] public static extern void g_object_set_property(IntPtr instance, string name, IntPtr value);
    [DllImport(GLib)] public static extern void g_error_free(IntPtr error);

    /// <summary>Throws <see cref="IOException"/> with "<paramref name="what"/>: aravis' message" when a call set its GError.</summary>
    public static void Check(IntPtr error, string what)
    {
        if (error == IntPtr.Zero) return;
        // GError is { GQuark domain; gint code; gchar *message; }: the message follows two 4-byte fields.
        string message = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(error, 8)) ?? "unknown error";
        g_error_free(error);
        throw new IOException($"{what}: {message}");
    }

    /// <summary>G_TYPE_UINT and G_TYPE_DOUBLE: fundamental types 7 and 15, shifted as GLib's type ids are.</summary>
    private static readonly UIntPtr UIntType = 7 << 2, DoubleType = 15 << 2;

    /// <summary>Sets an enum-typed GObject property (g_object_set is variadic, which P/Invoke cannot call portably).</summary>
    public static void SetEnumProperty(IntPtr instance, string name, UIntPtr type, int number) =>
        SetProperty(instance, name, type, value => g_value_set_enum(value, number));

    /// <summary>Sets a guint GObject property.</summary>
    public static void SetUIntProperty(IntPtr instance, string name, uint number) =>
        SetProperty(instance, name, UIntType, value => g_value_set_uint(value, number));

    /// <summary>Sets a gdouble GObject property.</summary>
    public static void SetDoubleProperty(IntPtr instance, string name, double number) =>
        SetProperty(instance, name, DoubleType, value => g_value_set_double(value, number));

    private static void SetProperty(IntPtr instance, string name, UIntPtr type, Action<IntPtr> set)
    {
        // A GValue is a GType and two 8-byte data words; it must start zeroed.
        IntPtr value = Marshal.AllocHGlobal(24);
        try
        {
            for (int i = 0; i < 24; i += 8) Marshal.WriteInt64(value, i, 0);
            g_value_init(value, type);
            set(value);
            g_object_set_property(instance, name, value);
            g_value_unset(value);
        }
        finally { Marshal.FreeHGlobal(value); }
    }

    /// <summary>Our pixel format of an aravis (GenICam PFNC) pixel format code, or null for one not supported.</summary>
    public static RawPixelFormat? PixelFormat(uint code) => code switch
    {
        0x01080001u => RawPixelFormat.Mono8,
        0x02180014u => RawPixelFormat.Rgb8,
        0x01080008u => RawPixelFormat.BayerGR8,
        0x01080009u => RawPixelFormat.BayerRG8,
        0x0108000Au => RawPixelFormat.BayerGB8,
        0x0108000Bu => RawPixelFormat.BayerBG8,
        _ => null,
    };
}
