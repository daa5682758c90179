// The actor pipeline (issue 3) lands here: messages, serializers and actors over Inspection.Engine.
[assembly: System.CLSCompliant(false)]
