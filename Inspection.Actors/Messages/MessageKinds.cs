namespace Inspection.Actors.Messages;

// Every message is one of four kinds (a test keeps each type the serializer binds in exactly one, besides the values
// FrameId and FeatureBlock that messages carry). The kind says how a receiver and the wire treat it: commands change
// state or start work and may be refused; events say what happened, are journalled or published, and are never
// refused; queries read and change nothing, so they may be repeated, hedged or sent to any replica; answers reply
// to queries.

/// <summary>Asks the receiver to change something or do work (train, store, score); it may be refused.</summary>
public interface ICommand;

/// <summary>Something that happened: journalled, published or told to whoever asked for it; never refused.</summary>
public interface IEvent;

/// <summary>Reads without changing anything: safe to repeat, to hedge and to send to any replica.</summary>
public interface IQuery;

/// <summary>The reply to a query.</summary>
public interface IAnswer;
