namespace Inspection.Engine.Data;

/// <summary>One test image: its defect type (<c>good</c> for defect-free) and, for defects, its mask file if one exists.</summary>
public sealed record TestImage(string Path, string DefectType, string? MaskPath)
{
    public bool IsDefective => DefectType != MvtecCategory.Good;
}
